/**
 * The BTF type model: one plain, readonly object per type, as include/uapi/linux/btf.h defines the
 * kinds. Parsed lazily by `Btf` (btf.ts); the C dumper, the loader and the value formatter all read
 * these shapes. Ids are BTF type ids (0 is `void`); names are decoded strings ('' when anonymous).
 */

/** BTF_KIND_* (include/uapi/linux/btf.h). */
export const BtfKind = {
  Void: 0, Int: 1, Pointer: 2, Array: 3, Struct: 4, Union: 5, Enum: 6, Fwd: 7, Typedef: 8, Volatile: 9,
  Const: 10, Restrict: 11, Func: 12, FuncProto: 13, Var: 14, Datasec: 15, Float: 16, DeclTag: 17,
  TypeTag: 18, Enum64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** The names bpftool prints for each kind in `btf dump format raw` (INT, PTR, ARRAY, ...). */
export const BTF_KIND_NAMES: readonly string[] = [
  'UNKNOWN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST',
  'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

/** BTF_INT_* encoding bits. */
export const IntEncoding = { Signed: 1, Char: 2, Bool: 4 } as const;

/** Linkage of FUNC (enum btf_func_linkage) and VAR (BTF_VAR_*). */
export const FuncLinkage = { Static: 0, Global: 1, Extern: 2 } as const;
export const VarLinkage = { Static: 0, GlobalAllocated: 1, GlobalExtern: 2 } as const;

interface TypeBase {
  readonly id: number;
  readonly name: string;
}

export interface VoidType extends TypeBase { readonly kind: typeof BtfKind.Void }

export interface IntType extends TypeBase {
  readonly kind: typeof BtfKind.Int;
  /** Bytes the type occupies. */
  readonly size: number;
  /** IntEncoding bits. */
  readonly encoding: number;
  /** BTF_INT_OFFSET: bit offset of the value inside `size` bytes (0 for every clang type). */
  readonly bitOffset: number;
  /** BTF_INT_BITS: bits of value. */
  readonly bits: number;
}

export interface PointerType extends TypeBase { readonly kind: typeof BtfKind.Pointer; readonly target: number }

export interface ArrayType extends TypeBase {
  readonly kind: typeof BtfKind.Array;
  readonly elementType: number;
  readonly indexType: number;
  readonly count: number;
}

export interface Member {
  readonly name: string;
  readonly type: number;
  /** Offset in bits from the start of the struct. */
  readonly bitOffset: number;
  /** Bitfield width in bits; 0 when the member is not a bitfield. */
  readonly bitfieldSize: number;
}

export interface CompositeType extends TypeBase {
  readonly kind: typeof BtfKind.Struct | typeof BtfKind.Union;
  readonly size: number;
  /** kind_flag: members' offsets carry bitfield sizes (bitfieldSize << 24 | bitOffset). */
  readonly kindFlag: boolean;
  readonly members: readonly Member[];
}

export interface EnumValue { readonly name: string; readonly value: number }
export interface Enum64Value { readonly name: string; readonly value: bigint }

export interface EnumType extends TypeBase {
  readonly kind: typeof BtfKind.Enum;
  readonly size: number;
  /** kind_flag: the enum is signed. */
  readonly signed: boolean;
  /** Values as the kernel stores them: signed when `signed`, else unsigned 32-bit. */
  readonly values: readonly EnumValue[];
}

export interface Enum64Type extends TypeBase {
  readonly kind: typeof BtfKind.Enum64;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly Enum64Value[];
}

export interface FwdType extends TypeBase {
  readonly kind: typeof BtfKind.Fwd;
  /** kind_flag: a forward declaration of a union rather than a struct. */
  readonly union: boolean;
}

/** Kinds that only name or qualify another type. */
export interface ReferenceType extends TypeBase {
  readonly kind: typeof BtfKind.Typedef | typeof BtfKind.Volatile | typeof BtfKind.Const | typeof BtfKind.Restrict | typeof BtfKind.TypeTag;
  readonly target: number;
  /** TYPE_TAG only, kind_flag (since 6.13): the tag is an attribute (`__attribute__((...))`) rather than btf_type_tag. */
  readonly attribute?: boolean;
}

export interface FuncType extends TypeBase {
  readonly kind: typeof BtfKind.Func;
  /** The FUNC_PROTO id. */
  readonly proto: number;
  /** FuncLinkage (the vlen field). */
  readonly linkage: number;
}

export interface Parameter { readonly name: string; readonly type: number }

export interface FuncProtoType extends TypeBase {
  readonly kind: typeof BtfKind.FuncProto;
  readonly returnType: number;
  /** A last parameter with name '' and type 0 means `...`. */
  readonly parameters: readonly Parameter[];
}

export interface VarType extends TypeBase {
  readonly kind: typeof BtfKind.Var;
  readonly type: number;
  /** VarLinkage. */
  readonly linkage: number;
}

export interface VarSecinfo { readonly type: number; readonly offset: number; readonly size: number }

export interface DatasecType extends TypeBase {
  readonly kind: typeof BtfKind.Datasec;
  readonly size: number;
  readonly variables: readonly VarSecinfo[];
}

export interface FloatType extends TypeBase { readonly kind: typeof BtfKind.Float; readonly size: number }

export interface DeclTagType extends TypeBase {
  readonly kind: typeof BtfKind.DeclTag;
  readonly target: number;
  /** -1 when the tag applies to the type itself, else the member or parameter index. */
  readonly componentIndex: number;
  /** kind_flag (since 6.13): the tag is an attribute (`__attribute__((...))`) rather than btf_decl_tag. */
  readonly attribute: boolean;
}

export type BtfType =
  | VoidType | IntType | PointerType | ArrayType | CompositeType | EnumType | Enum64Type | FwdType | ReferenceType
  | FuncType | FuncProtoType | VarType | DatasecType | FloatType | DeclTagType;

/**
 * What every BTF reader offers (btf.ts implements it; split BTF chains to its base). Types decode on
 * first access and are cached, so a caller that touches a few types of vmlinux pays for a few.
 */
export interface BtfSource {
  /** Ids run from 0 (void) to typeCount - 1, base types first for split BTF. */
  readonly typeCount: number;
  /** First id this blob defines: 1, or the base's typeCount for split BTF. */
  readonly firstTypeId: number;
  /** Throws BtfError for an id out of range. */
  type(id: number): BtfType;
  /** The string at `offset` of the (combined) string table. */
  string(offset: number): string;
}
