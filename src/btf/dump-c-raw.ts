/**
 * The reads the C dumper makes of a type, one number or name at a time. Btf answers them in place,
 * from the raw records: of vmlinux's 126 000 types, 56 000 are FUNCs and 29 000 FUNC_PROTOs that a
 * header never prints, and 13 000 structs and unions whose 67 000 members the dumper needs only as
 * numbers and names; decoding them into objects (and collecting those) was most of the dump's time.
 * Any other BtfSource (MutableBtf) is read through its decoded objects by DecodedReads.
 */
import { BtfKind, type BtfSource, type BtfType } from './types.js';

export interface BtfRawReads {
  /** BtfKind of `id` (0 for void). */
  kindOf(id: number): number;
  /**
   * The record's size-or-type word: a size (INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT), a
   * target (PTR, TYPEDEF, qualifiers, TYPE_TAG, DECL_TAG, VAR; a FUNC's proto), a FUNC_PROTO's return type.
   */
  sizeOrTypeOf(id: number): number;
  /** The record's vlen: members, enumerators, parameters, variables. */
  vlenOf(id: number): number;
  /** The type of member, parameter or DATASEC variable `index`. */
  entryTypeOf(id: number, index: number): number;
  /** The type's name ('' when anonymous). */
  nameOf(id: number): string;
  /** The name of member, enumerator or parameter `index`. */
  entryNameOf(id: number, index: number): string;
  /** Member `index`'s offset in bits. */
  memberBitOffsetOf(id: number, index: number): number;
  /** Member `index`'s bitfield width (0 when not a bitfield). */
  memberBitfieldSizeOf(id: number, index: number): number;
  /** An ARRAY's element type. */
  arrayElementTypeOf(id: number): number;
  /** An ARRAY's index type. */
  arrayIndexTypeOf(id: number): number;
  /** An ARRAY's element count. */
  arrayCountOf(id: number): number;
  /** The record's kind_flag (a FWD's "union", an ENUM or ENUM64's "signed"). */
  kindFlagOf(id: number): boolean;
  /** An ENUM64's value `index`, as Enum64Value.value. */
  enum64ValueOf(id: number, index: number): bigint;
  /** A 32-bit ENUM's value `index`: signed when the enum is, else unsigned (as EnumValue.value). */
  enumValueOf(id: number, index: number): number;
}

const READS: readonly (keyof BtfRawReads)[] = [
  'kindOf', 'sizeOrTypeOf', 'vlenOf', 'entryTypeOf', 'nameOf', 'entryNameOf', 'memberBitOffsetOf', 'memberBitfieldSizeOf',
  'enumValueOf', 'arrayElementTypeOf', 'arrayIndexTypeOf', 'arrayCountOf', 'kindFlagOf', 'enum64ValueOf',
];

/** `btf`'s own in-place reads when it offers them all, else reads through its decoded types. */
export function readsOf(btf: BtfSource): BtfRawReads {
  const candidate = btf as BtfSource & Partial<BtfRawReads>;
  return READS.every((name) => typeof candidate[name] === 'function') ? (candidate as BtfSource & BtfRawReads) : new DecodedReads(btf);
}

/** The same answers from `type(id)` objects, for sources without in-place reads. */
class DecodedReads implements BtfRawReads {
  constructor(private readonly btf: BtfSource) {}

  kindOf(id: number): number {
    return this.btf.type(id).kind;
  }

  sizeOrTypeOf(id: number): number {
    const t = this.btf.type(id);
    switch (t.kind) {
      case BtfKind.Int: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum: case BtfKind.Enum64:
      case BtfKind.Datasec: case BtfKind.Float:
        return t.size;
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict:
      case BtfKind.TypeTag: case BtfKind.DeclTag:
        return t.target;
      case BtfKind.Func: return t.proto;
      case BtfKind.Var: return t.type;
      case BtfKind.FuncProto: return t.returnType;
      default: return 0;
    }
  }

  vlenOf(id: number): number {
    return entries(this.btf.type(id)).length;
  }

  entryTypeOf(id: number, index: number): number {
    const entry = entries(this.btf.type(id))[index];
    return entry && 'type' in entry ? entry.type : 0;
  }

  nameOf(id: number): string {
    return this.btf.type(id).name;
  }

  entryNameOf(id: number, index: number): string {
    const entry = entries(this.btf.type(id))[index];
    return entry && 'name' in entry ? entry.name : '';
  }

  memberBitOffsetOf(id: number, index: number): number {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Struct || t.kind === BtfKind.Union ? (t.members[index]?.bitOffset ?? 0) : 0;
  }

  memberBitfieldSizeOf(id: number, index: number): number {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Struct || t.kind === BtfKind.Union ? (t.members[index]?.bitfieldSize ?? 0) : 0;
  }

  arrayElementTypeOf(id: number): number {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Array ? t.elementType : 0;
  }

  arrayIndexTypeOf(id: number): number {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Array ? t.indexType : 0;
  }

  arrayCountOf(id: number): number {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Array ? t.count : 0;
  }

  kindFlagOf(id: number): boolean {
    const t = this.btf.type(id);
    if (t.kind === BtfKind.Fwd) return t.union;
    return t.kind === BtfKind.Enum || t.kind === BtfKind.Enum64 ? t.signed : false;
  }

  enum64ValueOf(id: number, index: number): bigint {
    const t = this.btf.type(id);
    return t.kind === BtfKind.Enum64 ? (t.values[index]?.value ?? 0n) : 0n;
  }

  enumValueOf(id: number, index: number): number {
    const t = this.btf.type(id);
    if (t.kind !== BtfKind.Enum) return 0;
    const value = t.values[index]?.value ?? 0;
    return t.signed ? value | 0 : value >>> 0;
  }
}

type Entry = { readonly name: string } | { readonly type: number };

function entries(t: BtfType): readonly Entry[] {
  switch (t.kind) {
    case BtfKind.Struct: case BtfKind.Union: return t.members;
    case BtfKind.Enum: case BtfKind.Enum64: return t.values;
    case BtfKind.FuncProto: return t.parameters;
    case BtfKind.Datasec: return t.variables;
    default: return [];
  }
}
