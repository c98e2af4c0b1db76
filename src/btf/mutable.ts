/**
 * BTF the loader can change before writing it out (edits.ts): the parsed types as plain objects, in
 * an array that `replace` and `add` change, and a string table that keeps every existing offset.
 * `writeBtf` (writer.ts) encodes it back to a blob. A parsed `Btf` stays immutable; `MutableBtf.from`
 * decodes each of its types once.
 */
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { StringTable } from './string-table.js';
import { BtfKind, type BtfSource, type BtfType } from './types.js';

const baseTables = new WeakMap<Btf, StringTable>();

/** The string table of a parsed base, shared by every split BTF written on top of it. */
function tableOf(btf: Btf): StringTable {
  let table = baseTables.get(btf);
  if (!table) {
    const own = btf.bytes.subarray(btf.header.headerLength + btf.header.stringOffset, btf.header.headerLength + btf.header.stringOffset + btf.header.stringLength);
    table = new StringTable(own, btf.base ? tableOf(btf.base) : undefined);
    baseTables.set(btf, table);
  }
  return table;
}

export class MutableBtf implements BtfSource {
  readonly base: Btf | undefined;
  readonly littleEndian: boolean;
  /** The header's flags byte, kept for a byte-identical write. */
  readonly flags: number;
  readonly firstTypeId: number;
  readonly strings: StringTable;
  readonly #types: BtfType[];

  private constructor(base: Btf | undefined, littleEndian: boolean, flags: number, strings: StringTable, types: BtfType[]) {
    this.base = base;
    this.littleEndian = littleEndian;
    this.flags = flags;
    this.firstTypeId = base ? base.typeCount : 1;
    this.strings = strings;
    this.#types = types;
  }

  /** A mutable copy of `btf`'s own types (a split BTF keeps its base, unchanged). */
  static from(btf: Btf): MutableBtf {
    const types: BtfType[] = [];
    for (const t of btf.types()) types.push(t);
    const own = btf.bytes.subarray(btf.header.headerLength + btf.header.stringOffset, btf.header.headerLength + btf.header.stringOffset + btf.header.stringLength);
    const strings = new StringTable(own.slice(), btf.base ? tableOf(btf.base) : undefined);
    return new MutableBtf(btf.base, btf.littleEndian, btf.header.flags, strings, types);
  }

  /** Empty BTF (void only) to build from scratch. */
  static empty(options: { base?: Btf; littleEndian?: boolean } = {}): MutableBtf {
    const strings = new StringTable(options.base ? new Uint8Array(0) : new Uint8Array(1), options.base ? tableOf(options.base) : undefined);
    return new MutableBtf(options.base, options.littleEndian ?? options.base?.littleEndian ?? true, 0, strings, []);
  }

  get typeCount(): number {
    return this.firstTypeId + this.#types.length;
  }

  type(id: number): BtfType {
    if (id === 0) return { id: 0, kind: BtfKind.Void, name: '' };
    if (id < this.firstTypeId && this.base) return this.base.type(id);
    const t = this.#types[id - this.firstTypeId];
    if (!t) throw new BtfError(0, `type id ${id} is out of range (0..${this.typeCount - 1})`, 'use an id this BTF defines');
    return t;
  }

  /** Names live in the types; offsets only matter to the writer, so this reads the base's table. */
  string(offset: number): string {
    if (this.base && offset < this.base.stringsLength) return this.base.string(offset);
    throw new BtfError(0, `MutableBtf keeps names in its types; string offset ${offset} is not readable`, 'read names from type(id).name');
  }

  /** This blob's own types in id order. */
  *types(): IterableIterator<BtfType> {
    yield* this.#types;
  }

  /** Replaces type `id` (its `id` field is set to `id`). */
  replace(id: number, type: BtfType): void {
    if (id < this.firstTypeId || id >= this.typeCount) throw new BtfError(0, `type id ${id} is not one of this blob's own types (${this.firstTypeId}..${this.typeCount - 1})`, 'replace only types this blob defines');
    this.#types[id - this.firstTypeId] = { ...type, id } as BtfType;
  }

  /** Appends a type and returns its id. */
  add(type: BtfType): number {
    const id = this.typeCount;
    this.#types.push({ ...type, id } as BtfType);
    return id;
  }
}
