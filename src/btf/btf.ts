/**
 * Raw BTF (the format of /sys/kernel/btf/* and of an object's .BTF section), parsed lazily: `parse`
 * validates the header and walks the type section once, recording each type's byte offset in a typed
 * array; `type(id)` decodes a record on first use and caches it. Names are indexed on the first
 * `findByName`, by hashing the name bytes in place (no string is decoded to build the index).
 *
 * Split BTF (kernel modules) sits on a base: its ids continue after the base's last id and its string
 * offsets continue after the base's string table, as libbpf and the kernel lay it out.
 *
 * Pure: takes a Uint8Array, imports nothing from Node, so it runs in a browser too.
 */
import { BtfError } from './btf-error.js';
import { BTF_MAGIC, BTF_VERSION, HEADER_SIZE, TYPE_RECORD_SIZE, trailingSize } from './layout.js';
import {
  BtfKind, type BtfSource, type BtfType, type Enum64Value, type EnumValue, type Member, type Parameter,
  type VarSecinfo,
} from './types.js';

export interface BtfParseOptions {
  /** The base BTF this blob is split from (vmlinux for a module). */
  base?: Btf;
}

/** Qualifiers and typedefs that `resolve` looks through. */
const QUALIFIER_KINDS: ReadonlySet<number> = new Set([BtfKind.Typedef, BtfKind.Const, BtfKind.Volatile, BtfKind.Restrict, BtfKind.TypeTag]);
/** libbpf's limit on chains of references (MAX_RESOLVE_DEPTH): deeper means a loop. */
const MAX_RESOLVE_DEPTH = 32;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Per kind: 4-byte words of fixed data after the record (UNKNOWN_KIND: no such kind), and words per vlen entry. */
const UNKNOWN_KIND = 255;
const FIXED_WORDS = new Uint8Array(32).fill(UNKNOWN_KIND);
const WORDS_PER_ENTRY = new Uint8Array(32);
for (let kind = 1; kind <= 19; kind++) {
  // trailingSize(kind, 0) is the fixed part; trailingSize(kind, 1) minus it, one entry
  FIXED_WORDS[kind] = trailingSize(kind, 0) / 4;
  WORDS_PER_ENTRY[kind] = (trailingSize(kind, 1) - trailingSize(kind, 0)) / 4;
}
/** Kinds (a bit each) whose entries #entry may address: with a type, with a name, members. */
const ENTRY_MEMBER = (1 << BtfKind.Struct) | (1 << BtfKind.Union);
const ENTRY_TYPED = ENTRY_MEMBER | (1 << BtfKind.FuncProto) | (1 << BtfKind.Datasec);
const ENTRY_NAMED = ENTRY_MEMBER | (1 << BtfKind.FuncProto) | (1 << BtfKind.Enum) | (1 << BtfKind.Enum64);
const VOID: BtfType = Object.freeze({ id: 0, kind: BtfKind.Void, name: '' });
const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** The parts of the header a writer needs to reproduce the blob. */
export interface BtfHeader {
  readonly version: number;
  readonly flags: number;
  readonly headerLength: number;
  readonly typeOffset: number;
  readonly typeLength: number;
  readonly stringOffset: number;
  readonly stringLength: number;
}

export class Btf implements BtfSource {
  readonly base: Btf | undefined;
  readonly littleEndian: boolean;
  readonly header: BtfHeader;
  readonly typeCount: number;
  readonly firstTypeId: number;
  /** String offsets below this belong to the base (0 without one). */
  readonly stringBase: number;
  /** Bytes of the combined string table (base's and this blob's). */
  readonly stringsLength: number;

  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** Byte offset in #bytes of each own type's record, by id - firstTypeId. */
  readonly #offsets: Uint32Array;
  readonly #typeEnd: number;
  readonly #stringStart: number;
  /**
   * Decoded types by id - firstTypeId, in chunks of 1024 made on first use: a flat array would either
   * be grown past holes (a caller that skips ids turns it into a slow dictionary, as does
   * `new Array(126000)`) or need filling up front, which costs more than a cold CLI run can spare.
   */
  readonly #cache: (BtfType | undefined)[][] = [];
  /*
   * Strings are not cached by offset: the C dump of vmlinux asks for ~150 000 names, most of them
   * once (members, parameters), and a cache (a Map, or a typed array over the 2.6 MB table, whose
   * pages fault in one by one) cost more than slicing a name again; type() objects keep theirs.
   */
  /** The whole own string table as one JS string when it is pure ASCII (byte offset = char offset), else null. */
  #asciiTable: string | null | undefined;
  #nameIndex: { heads: Int32Array; next: Int32Array; mask: number } | undefined;
  #pointerSize: number | undefined;
  #asciiBytes: Uint8Array | null | undefined;
  /** The info word of the record #entry last looked at, so that its callers needn't read it again. */
  #entryInfo = 0;

  private constructor(bytes: Uint8Array, base: Btf | undefined) {
    this.#bytes = bytes;
    this.base = base;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < HEADER_SIZE) throw new BtfError(0, `${bytes.length} bytes is shorter than the ${HEADER_SIZE}-byte BTF header`);
    const view = this.#view;
    if (view.getUint16(0, true) === BTF_MAGIC) this.littleEndian = true;
    else if (view.getUint16(0, false) === BTF_MAGIC) this.littleEndian = false;
    else throw new BtfError(0, `magic 0x${view.getUint16(0, true).toString(16)} is not 0xeb9f`);
    const little = this.littleEndian;
    const version = bytes[2]!;
    if (version !== BTF_VERSION) throw new BtfError(2, `version ${version} is not ${BTF_VERSION}`);
    const headerLength = view.getUint32(4, little);
    if (headerLength < HEADER_SIZE) throw new BtfError(4, `header length ${headerLength} is shorter than ${HEADER_SIZE}`);
    if (headerLength > bytes.length) throw new BtfError(4, `header length ${headerLength} runs past the ${bytes.length}-byte blob`);
    // a longer header than ours is fine only if the extra bytes are zero (the kernel's rule)
    for (let at = HEADER_SIZE; at < headerLength; at++) {
      if (bytes[at] !== 0) throw new BtfError(at, 'unknown non-zero header field');
    }
    const header: BtfHeader = {
      version, flags: bytes[3]!, headerLength,
      typeOffset: view.getUint32(8, little), typeLength: view.getUint32(12, little),
      stringOffset: view.getUint32(16, little), stringLength: view.getUint32(20, little),
    };
    this.header = header;
    const typeStart = headerLength + header.typeOffset;
    const typeEnd = typeStart + header.typeLength;
    const stringStart = headerLength + header.stringOffset;
    const stringEnd = stringStart + header.stringLength;
    if (typeEnd > bytes.length) throw new BtfError(8, `type section (${header.typeOffset}+${header.typeLength}) runs past the ${bytes.length}-byte blob`);
    if (stringEnd > bytes.length) throw new BtfError(16, `string section (${header.stringOffset}+${header.stringLength}) runs past the ${bytes.length}-byte blob`);
    if (typeStart % 4 !== 0) throw new BtfError(8, `type section offset ${header.typeOffset} is not 4-byte aligned`);
    if (typeStart < stringEnd && stringStart < typeEnd) throw new BtfError(16, 'string section overlaps the type section');
    if (header.stringLength > 0 && bytes[stringEnd - 1] !== 0) throw new BtfError(stringEnd - 1, 'string section does not end with NUL');
    if (!base && (header.stringLength === 0 || bytes[stringStart] !== 0)) throw new BtfError(stringStart, 'string section does not start with the empty string');
    this.#typeEnd = typeEnd;
    this.#stringStart = stringStart;
    this.stringBase = base ? base.stringsLength : 0;
    this.stringsLength = this.stringBase + header.stringLength;
    this.firstTypeId = base ? base.typeCount : 1;

    this.#offsets = this.#walk(typeStart, typeEnd);
    this.typeCount = this.firstTypeId + this.#offsets.length;
  }

  /** Parses raw BTF in either byte order; `options.base` for split BTF. Throws BtfError on bad input. */
  static parse(bytes: Uint8Array, options: BtfParseOptions = {}): Btf {
    return new Btf(bytes, options.base);
  }

  /** The bytes this was parsed from (the writer reuses nothing from them; edits never change them). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * One pass over the type section: each record's offset, its kind checked and its trailing data
   * sized, its name offset checked against the string table. The little-endian, aligned case (every
   * kernel on x86 and arm64) reads a Uint32Array view, which is what makes the walk cheap.
   */
  #walk(typeStart: number, typeEnd: number): Uint32Array {
    const bytes = this.#bytes;
    const maxTypes = ((typeEnd - typeStart) / TYPE_RECORD_SIZE) | 0;
    const offsets = new Uint32Array(maxTypes);
    const stringLimit = this.stringsLength;
    let count = 0;
    if (this.littleEndian === LITTLE_ENDIAN_HOST && (bytes.byteOffset + typeStart) % 4 === 0) {
      // Int32Array, not Uint32Array: V8 keeps int32 elements as small integers, while uint32 values at or
      // above 2^31 (every info word with kind_flag) would become heap numbers
      const words = new Int32Array(bytes.buffer, bytes.byteOffset + typeStart, (typeEnd - typeStart) >>> 2);
      const end = words.length;
      let w = 0;
      while (w + 3 <= end) {
        const info = words[w + 1]!;
        const kind = (info >>> 24) & 0x1f;
        const fixed = FIXED_WORDS[kind]!;
        const next = w + 3 + fixed + (info & 0xffff) * WORDS_PER_ENTRY[kind]!;
        const nameOffset = words[w]!;
        if (fixed === UNKNOWN_KIND || next > end || nameOffset < 0 || nameOffset >= stringLimit) return this.#walkFailed(typeStart + w * 4, count);
        offsets[count++] = typeStart + w * 4;
        w = next;
      }
      if (w * 4 !== typeEnd - typeStart) return this.#walkFailed(typeStart + w * 4, count);
      return offsets.subarray(0, count);
    }
    const view = this.#view;
    const little = this.littleEndian;
    let at = typeStart;
    while (at < typeEnd) {
      if (at + TYPE_RECORD_SIZE > typeEnd) return this.#walkFailed(at, count);
      const info = view.getUint32(at + 4, little);
      const size = trailingSize((info >>> 24) & 0x1f, info & 0xffff);
      if (size < 0 || at + TYPE_RECORD_SIZE + size > typeEnd || view.getUint32(at, little) >= stringLimit) return this.#walkFailed(at, count);
      offsets[count++] = at;
      at += TYPE_RECORD_SIZE + size;
    }
    return offsets.subarray(0, count);
  }

  /** Says precisely what is wrong with the record at `at` (kept out of the hot loop). */
  #walkFailed(at: number, index: number): never {
    const id = this.firstTypeId + index;
    if (at + TYPE_RECORD_SIZE > this.#typeEnd) throw new BtfError(at, `type ${id}'s record runs past the end of the type section`);
    const info = this.#view.getUint32(at + 4, this.littleEndian);
    const kind = (info >>> 24) & 0x1f;
    const size = trailingSize(kind, info & 0xffff);
    if (size < 0) throw new BtfError(at, `type ${id} has unknown kind ${kind}`);
    if (at + TYPE_RECORD_SIZE + size > this.#typeEnd) throw new BtfError(at, `type ${id} (kind ${kind}, vlen ${info & 0xffff}) runs past the end of the type section`);
    const nameOffset = this.#view.getUint32(at, this.littleEndian);
    throw new BtfError(at, `type ${id}'s name offset ${nameOffset} is outside the ${this.stringsLength}-byte string table`);
  }

  /** Byte offset in the blob of type `id`'s record (for errors and the writer's checks). */
  offsetOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.offsetOf(id);
    const offset = this.#offsets[id - this.firstTypeId];
    if (offset === undefined || !Number.isInteger(id)) throw new BtfError(0, `type id ${id} is out of range (${this.firstTypeId}..${this.typeCount - 1})`, 'use an id this BTF defines');
    return offset;
  }

  type(id: number): BtfType {
    const own = id - this.firstTypeId;
    if (own >= 0) {
      const offset = this.#offsets[own];
      if (offset === undefined || !Number.isInteger(id)) throw new BtfError(0, `type id ${id} is out of range (0..${this.typeCount - 1})`, 'use an id this BTF defines');
      const chunk = (this.#cache[own >>> 10] ??= new Array<BtfType | undefined>(1024));
      return (chunk[own & 1023] ??= this.#decode(id, offset));
    }
    if (id === 0) return VOID;
    if (this.base && id > 0) return this.base.type(id);
    throw new BtfError(0, `type id ${id} is out of range (0..${this.typeCount - 1})`, 'use an id this BTF defines');
  }

  /** The kind of type `id` without decoding it (0 for void). */
  kindOf(id: number): number {
    if (id === 0) return BtfKind.Void;
    if (id < this.firstTypeId && this.base) return this.base.kindOf(id);
    return (this.#view.getUint32(this.offsetOf(id) + 4, this.littleEndian) >>> 24) & 0x1f;
  }

  /**
   * Byte offset of type `id`'s own record, throwing type()'s error for an id out of range; the
   * in-place readers below share it so that a bad id reads the same whichever accessor met it.
   */
  #record(id: number): number {
    const offset = this.#offsets[id - this.firstTypeId];
    if (offset === undefined || !Number.isInteger(id)) throw new BtfError(0, `type id ${id} is out of range (0..${this.typeCount - 1})`, 'use an id this BTF defines');
    return offset;
  }

  /**
   * The record's size-or-type word, read in place: the size of an INT, STRUCT, UNION, ENUM, DATASEC
   * or FLOAT; the referenced type of a PTR, TYPEDEF, qualifier, TYPE_TAG, DECL_TAG, FUNC (its proto)
   * or VAR; a FUNC_PROTO's return type. With vlenOf and entryTypeOf, this lets hot loops (the C
   * dumper's walk over 126 000 vmlinux types, half of them FUNCs it never prints) follow references
   * without decoding a type object.
   */
  sizeOrTypeOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.sizeOrTypeOf(id);
    return this.#view.getUint32(this.#record(id) + 8, this.littleEndian);
  }

  /** The record's vlen (members, values, parameters, variables; a FUNC's linkage). */
  vlenOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.vlenOf(id);
    return this.#view.getUint32(this.#record(id) + 4, this.littleEndian) & 0xffff;
  }

  /**
   * The type of entry `index` of a STRUCT or UNION (member), FUNC_PROTO (parameter) or DATASEC
   * (variable), read in place. Throws for other kinds and for an index at or past vlen.
   */
  entryTypeOf(id: number, index: number): number {
    if (id < this.firstTypeId && this.base) return this.base.entryTypeOf(id, index);
    const at = this.#entry(id, index, ENTRY_TYPED);
    // member {name, type, offset} and parameter {name, type}: the type is the second word; a secinfo's the first
    const kind = (this.#entryInfo >>> 24) & 0x1f;
    return this.#view.getUint32(kind === BtfKind.Datasec ? at : at + 4, this.littleEndian);
  }

  /** The name of type `id` ('' for void and anonymous types), without decoding the type. */
  nameOf(id: number): string {
    if (id === 0) return '';
    if (id < this.firstTypeId && this.base) return this.base.nameOf(id);
    const at = this.#record(id);
    return this.#string(this.#view.getUint32(at, this.littleEndian), at);
  }

  /** The name of member, enumerator or parameter `index` of STRUCT/UNION, ENUM/ENUM64 or FUNC_PROTO `id`. */
  entryNameOf(id: number, index: number): string {
    if (id < this.firstTypeId && this.base) return this.base.entryNameOf(id, index);
    const at = this.#entry(id, index, ENTRY_NAMED);
    return this.#string(this.#view.getUint32(at, this.littleEndian), at);
  }

  /**
   * The name offset of type `id` in the combined string table (0 for void), read in place: with
   * asciiStringBytes it lets the C dumper count and copy names without making JS strings.
   */
  nameOffsetOf(id: number): number {
    if (id === 0) return 0;
    if (id < this.firstTypeId && this.base) return this.base.nameOffsetOf(id);
    // the walk checked every type's name offset against the table
    return this.#view.getUint32(this.#record(id), this.littleEndian);
  }

  /** entryNameOf's string-table offset (checked, so that a bad one fails as entryNameOf would). */
  entryNameOffsetOf(id: number, index: number): number {
    if (id < this.firstTypeId && this.base) return this.base.entryNameOffsetOf(id, index);
    const at = this.#entry(id, index, ENTRY_NAMED);
    const offset = this.#view.getUint32(at, this.littleEndian);
    if (offset >= this.stringsLength) this.#string(offset, at);
    return offset;
  }

  /**
   * The combined string table (base's, then this blob's) as bytes indexed by string offset, when
   * every byte is ASCII (so bytes are exactly what string() would give); else null. Unsplit BTF
   * gets a view of its own bytes; split BTF a one-off copy of both tables.
   */
  asciiStringBytes(): Uint8Array | null {
    if (this.#asciiBytes !== undefined) return this.#asciiBytes;
    const start = this.#stringStart;
    const own = this.#bytes.subarray(start, start + this.header.stringLength);
    const ascii = isAscii(own);
    let result: Uint8Array | null = null;
    if (ascii) {
      const base = this.base ? this.base.asciiStringBytes() : null;
      if (!this.base) {
        result = own;
      } else if (base) {
        result = new Uint8Array(this.stringsLength);
        result.set(base.subarray(0, this.stringBase));
        result.set(own, this.stringBase);
      }
    }
    this.#asciiBytes = result;
    return result;
  }

  /** 32-bit words in this blob's own type section (every record field is one). */
  get recordWordCount(): number {
    return this.header.typeLength >>> 2;
  }

  /**
   * Copies this blob's own type records into `words` from index `wordIndex`, in host byte order, and
   * sets `starts[id]` to the word index of each own type's record. One memcpy (and, for the other
   * byte order, one swap loop): readers that walk every record, as the C dumper does, then index a
   * plain Int32Array instead of calling an accessor per field. Returns the words written.
   */
  copyRecords(words: Int32Array, wordIndex: number, starts: Int32Array): number {
    const count = this.recordWordCount;
    const typeStart = this.header.headerLength + this.header.typeOffset;
    new Uint8Array(words.buffer, words.byteOffset + wordIndex * 4, count * 4).set(this.#bytes.subarray(typeStart, typeStart + count * 4));
    if (this.littleEndian !== LITTLE_ENDIAN_HOST) {
      for (let i = wordIndex, end = wordIndex + count; i < end; i++) {
        const w = words[i]!;
        words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
      }
    }
    const offsets = this.#offsets;
    const first = this.firstTypeId;
    const shift = wordIndex - (typeStart >>> 2);
    for (let i = 0, n = offsets.length; i < n; i++) starts[first + i] = (offsets[i]! >>> 2) + shift;
    return count;
  }

  /** ARRAY `id`'s element type, read in place (ArrayType.elementType). */
  arrayElementTypeOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.arrayElementTypeOf(id);
    return this.#view.getUint32(this.#arrayData(id), this.littleEndian);
  }

  /** ARRAY `id`'s index type, read in place (ArrayType.indexType). */
  arrayIndexTypeOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.arrayIndexTypeOf(id);
    return this.#view.getUint32(this.#arrayData(id) + 4, this.littleEndian);
  }

  /** ARRAY `id`'s element count, read in place (ArrayType.count). */
  arrayCountOf(id: number): number {
    if (id < this.firstTypeId && this.base) return this.base.arrayCountOf(id);
    return this.#view.getUint32(this.#arrayData(id) + 8, this.littleEndian);
  }

  /** The record's kind_flag (a FWD's "union", a composite's bitfield encoding, an enum's signedness). */
  kindFlagOf(id: number): boolean {
    if (id === 0) return false;
    if (id < this.firstTypeId && this.base) return this.base.kindFlagOf(id);
    return this.#view.getUint32(this.#record(id) + 4, this.littleEndian) >>> 31 === 1;
  }

  /** Value `index` of ENUM64 `id`, as Enum64Value.value: signed when kind_flag says so, else unsigned. */
  enum64ValueOf(id: number, index: number): bigint {
    if (id < this.firstTypeId && this.base) return this.base.enum64ValueOf(id, index);
    const at = this.#entry(id, index, 1 << BtfKind.Enum64);
    const little = this.littleEndian;
    const raw = (BigInt(this.#view.getUint32(at + 8, little)) << 32n) | BigInt(this.#view.getUint32(at + 4, little));
    return this.#view.getUint32(this.#record(id) + 4, little) >>> 31 === 1 ? BigInt.asIntN(64, raw) : raw;
  }

  /** Byte offset of own ARRAY `id`'s btf_array; throws for other kinds. */
  #arrayData(id: number): number {
    const at = this.#record(id);
    const kind = (this.#view.getUint32(at + 4, this.littleEndian) >>> 24) & 0x1f;
    if (kind !== BtfKind.Array) throw new BtfError(at, `type ${id} (${kindName(kind)}) is not an array`);
    return at + TYPE_RECORD_SIZE;
  }

  /** Member `index`'s offset in bits, as Member.bitOffset (kind_flag decoded). */
  memberBitOffsetOf(id: number, index: number): number {
    if (id < this.firstTypeId && this.base) return this.base.memberBitOffsetOf(id, index);
    const offset = this.#view.getUint32(this.#entry(id, index, ENTRY_MEMBER) + 8, this.littleEndian);
    return this.#entryInfo >>> 31 === 1 ? offset & 0xffffff : offset;
  }

  /** Member `index`'s bitfield width, as Member.bitfieldSize (0 when not a bitfield). */
  memberBitfieldSizeOf(id: number, index: number): number {
    if (id < this.firstTypeId && this.base) return this.base.memberBitfieldSizeOf(id, index);
    const offset = this.#view.getUint32(this.#entry(id, index, ENTRY_MEMBER) + 8, this.littleEndian);
    return this.#entryInfo >>> 31 === 1 ? offset >>> 24 : 0;
  }

  /** Value `index` of 32-bit ENUM `id`, as EnumValue.value: signed when kind_flag says so, else unsigned. */
  enumValueOf(id: number, index: number): number {
    if (id < this.firstTypeId && this.base) return this.base.enumValueOf(id, index);
    const at = this.#entry(id, index, 1 << BtfKind.Enum) + 4;
    return this.#view.getUint32(this.#record(id) + 4, this.littleEndian) >>> 31 === 1
      ? this.#view.getInt32(at, this.littleEndian)
      : this.#view.getUint32(at, this.littleEndian);
  }

  /** Byte offset of own type `id`'s entry `index`; throws unless the kind is in `kinds` (a bit per kind) and index < vlen. */
  #entry(id: number, index: number, kinds: number): number {
    const at = this.#record(id);
    const info = this.#view.getUint32(at + 4, this.littleEndian);
    this.#entryInfo = info;
    const kind = (info >>> 24) & 0x1f;
    if (!((kinds >>> kind) & 1) || !(index >= 0 && index < (info & 0xffff) && Number.isInteger(index))) {
      throw new BtfError(at, `type ${id} (${kindName(kind)}) has no entry ${index}`);
    }
    return at + TYPE_RECORD_SIZE + FIXED_WORDS[kind]! * 4 + index * WORDS_PER_ENTRY[kind]! * 4;
  }

  string(offset: number): string {
    return this.#string(offset, -1);
  }

  /** The string at `offset`; `referencedAt` is the byte that named it, for the error. */
  #string(offset: number, referencedAt: number): string {
    if (offset < this.stringBase && this.base) return this.base.#string(offset, referencedAt);
    if (!(offset >= 0 && offset < this.stringsLength)) {
      throw new BtfError(referencedAt < 0 ? 0 : referencedAt, `string offset ${offset} is outside the ${this.stringsLength}-byte string table`);
    }
    return this.#decodeString(offset - this.stringBase);
  }

  /**
   * The NUL-terminated string at own offset `own`. Kernel BTF is all ASCII: the table is then decoded
   * once, in one TextDecoder call, and each name is a slice of it, which is several times cheaper than
   * a TextDecoder call per name. Other tables decode name by name as UTF-8.
   */
  #decodeString(own: number): string {
    const table = this.#asciiTable === undefined ? (this.#asciiTable = this.#decodeAsciiTable()) : this.#asciiTable;
    if (table !== null) return table.slice(own, table.indexOf('\0', own));
    const start = this.#stringStart + own;
    // the constructor checked the table ends with NUL, so the end is found
    return utf8.decode(this.#bytes.subarray(start, this.#bytes.indexOf(0, start)));
  }

  #decodeAsciiTable(): string | null {
    const start = this.#stringStart;
    const text = utf8.decode(this.#bytes.subarray(start, start + this.header.stringLength));
    // Every UTF-8 multi-byte sequence decodes to fewer UTF-16 units than bytes and every invalid byte
    // to U+FFFD, so equal lengths without U+FFFD mean every byte was ASCII.
    return text.length === this.header.stringLength && text.indexOf('\uFFFD') < 0 ? text : null;
  }

  #decode(id: number, at: number): BtfType {
    const view = this.#view;
    const little = this.littleEndian;
    const name = this.#string(view.getUint32(at, little), at);
    const info = view.getUint32(at + 4, little);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31 === 1;
    const sizeOrType = view.getUint32(at + 8, little);
    const data = at + TYPE_RECORD_SIZE;
    switch (kind) {
      case BtfKind.Int: {
        const word = view.getUint32(data, little);
        return { id, name, kind, size: sizeOrType, encoding: (word >>> 24) & 0x0f, bitOffset: (word >>> 16) & 0xff, bits: word & 0xff };
      }
      case BtfKind.Pointer:
        return { id, name, kind, target: sizeOrType };
      case BtfKind.Array:
        return { id, name, kind, elementType: view.getUint32(data, little), indexType: view.getUint32(data + 4, little), count: view.getUint32(data + 8, little) };
      case BtfKind.Struct:
      case BtfKind.Union: {
        const members: Member[] = new Array<Member>(vlen);
        for (let i = 0, m = data; i < vlen; i++, m += 12) {
          const offset = view.getUint32(m + 8, little);
          members[i] = {
            name: this.#string(view.getUint32(m, little), m), type: view.getUint32(m + 4, little),
            bitOffset: kindFlag ? offset & 0xffffff : offset, bitfieldSize: kindFlag ? offset >>> 24 : 0,
          };
        }
        return { id, name, kind, size: sizeOrType, kindFlag, members };
      }
      case BtfKind.Enum: {
        const values: EnumValue[] = new Array<EnumValue>(vlen);
        for (let i = 0, v = data; i < vlen; i++, v += 8) {
          values[i] = { name: this.#string(view.getUint32(v, little), v), value: kindFlag ? view.getInt32(v + 4, little) : view.getUint32(v + 4, little) };
        }
        return { id, name, kind, size: sizeOrType, signed: kindFlag, values };
      }
      case BtfKind.Enum64: {
        const values: Enum64Value[] = new Array<Enum64Value>(vlen);
        for (let i = 0, v = data; i < vlen; i++, v += 12) {
          const raw = (BigInt(view.getUint32(v + 8, little)) << 32n) | BigInt(view.getUint32(v + 4, little));
          values[i] = { name: this.#string(view.getUint32(v, little), v), value: kindFlag ? BigInt.asIntN(64, raw) : raw };
        }
        return { id, name, kind, size: sizeOrType, signed: kindFlag, values };
      }
      case BtfKind.Fwd:
        return { id, name, kind, union: kindFlag };
      case BtfKind.Typedef:
      case BtfKind.Volatile:
      case BtfKind.Const:
      case BtfKind.Restrict:
        return { id, name, kind, target: sizeOrType };
      case BtfKind.TypeTag:
        return { id, name, kind, target: sizeOrType, attribute: kindFlag };
      case BtfKind.Func:
        return { id, name, kind, proto: sizeOrType, linkage: vlen };
      case BtfKind.FuncProto: {
        const parameters: Parameter[] = new Array<Parameter>(vlen);
        for (let i = 0, p = data; i < vlen; i++, p += 8) parameters[i] = { name: this.#string(view.getUint32(p, little), p), type: view.getUint32(p + 4, little) };
        return { id, name, kind, returnType: sizeOrType, parameters };
      }
      case BtfKind.Var:
        return { id, name, kind, type: sizeOrType, linkage: view.getUint32(data, little) };
      case BtfKind.Datasec: {
        const variables: VarSecinfo[] = new Array<VarSecinfo>(vlen);
        for (let i = 0, v = data; i < vlen; i++, v += 12) variables[i] = { type: view.getUint32(v, little), offset: view.getUint32(v + 4, little), size: view.getUint32(v + 8, little) };
        return { id, name, kind, size: sizeOrType, variables };
      }
      case BtfKind.Float:
        return { id, name, kind, size: sizeOrType };
      case BtfKind.DeclTag:
        return { id, name, kind, target: sizeOrType, componentIndex: view.getInt32(data, little), attribute: kindFlag };
      default:
        throw new BtfError(at, `type ${id} has unknown kind ${kind}`);
    }
  }

  /** This blob's own types (not the base's), in id order. */
  *types(): IterableIterator<BtfType> {
    for (let id = this.firstTypeId; id < this.typeCount; id++) yield this.type(id);
  }

  /**
   * Every type named `name` (of `kind`, when given), base types first, in id order. The first call
   * builds a hash index over the name bytes; later calls cost a hash and a short chain walk.
   */
  findByName(name: string, kind?: BtfKind): BtfType[] {
    const found = this.base ? this.base.findByName(name, kind) : [];
    if (name === '') return found;
    const index = (this.#nameIndex ??= this.#buildNameIndex());
    const wanted = encoder.encode(name);
    const own: BtfType[] = [];
    for (let slot = index.heads[hashBytes(wanted, 0, wanted.length) & index.mask]!; slot >= 0; slot = index.next[slot]!) {
      const id = this.firstTypeId + slot;
      if (kind !== undefined && this.kindOf(id) !== kind) continue;
      if (this.#nameEquals(this.#view.getUint32(this.#offsets[slot]!, this.littleEndian), wanted)) own.push(this.type(id));
    }
    // chains are built by prepending, so they run from the highest id down
    return found.concat(own.reverse());
  }

  /** The first type named `name` (of `kind`), or undefined. */
  findOne(name: string, kind?: BtfKind): BtfType | undefined {
    return this.findByName(name, kind)[0];
  }

  #nameEquals(nameOffset: number, wanted: Uint8Array): boolean {
    if (nameOffset < this.stringBase && this.base) return this.base.#nameEquals(nameOffset, wanted);
    const bytes = this.#bytes;
    const at = this.#stringStart + nameOffset - this.stringBase;
    for (let i = 0; i < wanted.length; i++) if (bytes[at + i] !== wanted[i]) return false;
    return bytes[at + wanted.length] === 0;
  }

  /** Bytes (of this blob or its base) of the NUL-terminated string at `nameOffset`: [array, start, end). */
  #nameBytes(nameOffset: number): [Uint8Array, number, number] {
    if (nameOffset < this.stringBase && this.base) return this.base.#nameBytes(nameOffset);
    const start = this.#stringStart + nameOffset - this.stringBase;
    return [this.#bytes, start, this.#bytes.indexOf(0, start)];
  }

  #buildNameIndex(): { heads: Int32Array; next: Int32Array; mask: number } {
    const count = this.#offsets.length;
    let size = 1024;
    while (size < count) size <<= 1;
    const heads = new Int32Array(size).fill(-1);
    const next = new Int32Array(count);
    const mask = size - 1;
    const view = this.#view;
    const little = this.littleEndian;
    const own = this.#bytes;
    const ownStart = this.#stringStart - this.stringBase;
    for (let slot = 0; slot < count; slot++) {
      const nameOffset = view.getUint32(this.#offsets[slot]!, little);
      if (nameOffset === 0) continue;
      let hash: number;
      if (nameOffset >= this.stringBase) {
        // inline FNV-1a over this blob's bytes: the common case, kept free of calls
        hash = 0x811c9dc5;
        for (let at = ownStart + nameOffset, byte = own[at]!; byte !== 0; byte = own[++at]!) hash = Math.imul(hash ^ byte, 0x01000193);
      } else {
        const [bytes, start, end] = this.#nameBytes(nameOffset);
        hash = hashBytes(bytes, start, end);
      }
      const bucket = hash & mask;
      next[slot] = heads[bucket]!;
      heads[bucket] = slot;
    }
    return { heads, next, mask };
  }

  /** The size in bytes of type `id`, as libbpf's btf__resolve_size computes it. */
  sizeOf(id: number): number {
    let total = 1;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.type(id);
      switch (t.kind) {
        case BtfKind.Int: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum: case BtfKind.Enum64:
        case BtfKind.Datasec: case BtfKind.Float:
          return this.#checkedSize(id, total, t.size);
        case BtfKind.Pointer:
          return this.#checkedSize(id, total, this.pointerSize());
        case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
          id = t.target;
          break;
        case BtfKind.Var:
          id = t.type;
          break;
        case BtfKind.DeclTag:
          id = t.target;
          break;
        case BtfKind.Array:
          total *= t.count;
          if (total > 0xffffffff) throw new BtfError(this.offsetOf(t.id), `array type ${t.id} is larger than 4 GiB`);
          id = t.elementType;
          break;
        default:
          throw new BtfError(t.id === 0 ? 0 : this.offsetOf(t.id), `type ${t.id} (${kindName(t.kind)}) has no size`, 'ask for the size of a data type');
      }
    }
    throw new BtfError(this.offsetOf(id), `type ${id} is a chain of more than ${MAX_RESOLVE_DEPTH} references (a loop?)`);
  }

  /** elements × size, refused past 4 GiB as btf__resolve_size refuses it (-E2BIG). */
  #checkedSize(id: number, elements: number, size: number): number {
    const total = elements * size;
    if (total > 0xffffffff) throw new BtfError(this.offsetOf(id), `${elements} elements of type ${id} (${size} bytes each) are larger than 4 GiB`);
    return total;
  }

  /** The alignment in bytes of type `id`, as libbpf's btf__align_of computes it (1 for packed structs). */
  alignOf(id: number): number {
    return this.#alignOf(id, 0);
  }

  #alignOf(id: number, depth: number): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(this.offsetOf(id), `type ${id} is a chain of more than ${MAX_RESOLVE_DEPTH} references (a loop?)`);
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.Int: case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Float:
        return Math.min(this.pointerSize(), t.size);
      case BtfKind.Pointer:
        return this.pointerSize();
      case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        return this.#alignOf(t.target, depth + 1);
      case BtfKind.Array:
        return this.#alignOf(t.elementType, depth + 1);
      case BtfKind.Struct: case BtfKind.Union: {
        let max = 1;
        for (const member of t.members) {
          const align = this.#alignOf(member.type, depth + 1);
          max = Math.max(max, align);
          // a non-bitfield member off its type's alignment means the struct is packed
          if (member.bitfieldSize === 0 && member.bitOffset % (8 * align) !== 0) return 1;
        }
        return t.size % max === 0 ? max : 1;
      }
      default:
        throw new BtfError(t.id === 0 ? 0 : this.offsetOf(t.id), `type ${t.id} (${kindName(t.kind)}) has no alignment`, 'ask for the alignment of a data type');
    }
  }

  /** The id `id` names once typedefs, qualifiers and type tags are looked through. */
  resolve(id: number): number {
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.type(id);
      if (!QUALIFIER_KINDS.has(t.kind)) return id;
      id = (t as { target: number }).target;
    }
    throw new BtfError(this.offsetOf(id), `type ${id} is a chain of more than ${MAX_RESOLVE_DEPTH} references (a loop?)`);
  }

  /**
   * The target's pointer size, found as libbpf finds it: the size of an INT named like `long`; 8 when
   * there is none (BTF with no such int, e.g. a tiny object).
   */
  pointerSize(): number {
    if (this.#pointerSize !== undefined) return this.#pointerSize;
    if (this.base) return (this.#pointerSize = this.base.pointerSize());
    let size = 8;
    for (const name of ['long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long', 'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned']) {
      const found = this.findByName(name, BtfKind.Int)[0];
      if (found && found.kind === BtfKind.Int && (found.size === 4 || found.size === 8)) {
        size = found.size;
        break;
      }
    }
    return (this.#pointerSize = size);
  }
}

function kindName(kind: number): string {
  return ['void', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64'][kind] ?? `kind ${kind}`;
}

/** FNV-1a over bytes[start, end). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let at = start; at < end; at++) hash = Math.imul(hash ^ bytes[at]!, 0x01000193);
  return hash;
}

/**
 * Whether every byte is below 0x80. No Node import (this layer runs in browsers): the bytes are
 * tested four at a time where they are aligned, one at a time at the edges.
 */
function isAscii(bytes: Uint8Array): boolean {
  let i = 0;
  const end = bytes.length;
  while (i < end && (bytes.byteOffset + i) % 4 !== 0) if (bytes[i++]! & 0x80) return false;
  const words = Math.floor((end - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) if (view[w]! & 0x80808080) return false;
    i += words * 4;
  }
  while (i < end) if (bytes[i++]! & 0x80) return false;
  return true;
}
