/**
 * BTF as the C dumper reads it: every record (base types first for split BTF) in one Int32Array of
 * host-order words, the word index of each type's record, and the string table as NUL-terminated
 * UTF-8 bytes. The dumper then reads fields as `words[at[id] + k]`: vmlinux's header makes a few
 * million such reads, and as accessor calls (a base check, a bounds check, a DataView read each) they
 * were most of a cold process's time, spent before V8 had optimised them.
 *
 * Record layout (include/uapi/linux/btf.h): words[r] name offset, words[r + 1] info (kind_flag in
 * the sign bit, kind in bits 24..28, vlen in the low 16), words[r + 2] size or type, then the kind's
 * data. Id 0 (void) is an all-zero record at index 0.
 *
 * Building it also checks what the dumper then trusts: every type id a record refers to exists and
 * every entry name offset is inside the string table, so malformed BTF fails here with a typed error
 * instead of reading past an array.
 */
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { trailingSize } from './layout.js';
import { BtfKind, type BtfSource, type BtfType } from './types.js';

export interface FlatBtf {
  /** Ids run from 0 (void) to count - 1. */
  readonly count: number;
  readonly words: Int32Array;
  /** Word index in `words` of each type's record. */
  readonly at: Int32Array;
  /** The string table; name offsets index it. */
  readonly names: Uint8Array;
  /** 1 for each type another type refers to (not counting FUNC_PROTO return types). */
  readonly referenced: Uint8Array;
}

/** The C dumper's view of `btf`: records copied in bulk from a parsed Btf, else encoded from its types. */
export function flatten(btf: BtfSource): FlatBtf {
  const names = btf instanceof Btf ? utf8StringTable(btf) : null;
  const flat = names ? fromParsed(btf as Btf, names) : fromTypes(btf);
  // a parsed blob's errors name the record's byte offset; encoded types have none
  const offsetOf = (id: number): number => (btf instanceof Btf && id > 0 ? btf.offsetOf(id) : 0);
  return { ...flat, referenced: checkAndMarkReferences(flat, offsetOf) };
}

type Unchecked = Omit<FlatBtf, 'referenced'>;

function fromParsed(btf: Btf, names: Uint8Array): Unchecked {
  const layers: Btf[] = [];
  for (let layer: Btf | undefined = btf; layer; layer = layer.base) layers.unshift(layer);
  let total = 3;
  for (const layer of layers) total += layer.recordWordCount;
  const words = new Int32Array(total);
  const at = new Int32Array(btf.typeCount);
  let wordIndex = 3;
  for (const layer of layers) wordIndex += layer.copyRecords(words, wordIndex, at);
  return { count: btf.typeCount, words, at, names };
}

/**
 * The combined string table (base's, then own) as bytes, when they are exactly what decoding and
 * re-encoding each name would give: ASCII (every kernel's) or valid UTF-8. Null otherwise; the
 * dumper then goes through decoded names (invalid bytes print as U+FFFD, as the type objects have them).
 */
function utf8StringTable(btf: Btf): Uint8Array | null {
  const ascii = btf.asciiStringBytes();
  if (ascii) return ascii;
  const tables: Uint8Array[] = [];
  for (let layer: Btf | undefined = btf; layer; layer = layer.base) {
    const start = layer.header.headerLength + layer.header.stringOffset;
    tables.unshift(layer.bytes.subarray(start, start + layer.header.stringLength));
  }
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    for (const table of tables) strict.decode(table);
  } catch {
    return null;
  }
  if (tables.length === 1) return tables[0]!;
  const combined = new Uint8Array(btf.stringsLength);
  let offset = 0;
  for (const table of tables) {
    combined.set(table, offset);
    offset += table.length;
  }
  return combined;
}

/** Records encoded from `type(id)` objects, names interned into a table of our own. */
function fromTypes(btf: BtfSource): Unchecked {
  const count = btf.typeCount;
  const at = new Int32Array(count);
  let words = new Int32Array(3 + count * 4);
  let length = 3;
  const strings = new StringBytes();
  const parsed = btf instanceof Btf ? btf : undefined;
  const push = (value: number): void => {
    if (length === words.length) {
      const next = new Int32Array(words.length * 2);
      next.set(words);
      words = next;
    }
    words[length++] = value;
  };
  for (let id = 1; id < count; id++) {
    const t: BtfType = btf.type(id);
    at[id] = length;
    const record = (vlen: number, kindFlag: boolean, sizeOrType: number): void => {
      if (trailingSize(t.kind, vlen) < 0) throw new BtfError(0, `type ${id} has unknown kind ${t.kind}`);
      // an empty name at a non-zero offset still makes a type named, for libbpf (see dump-c-names.ts)
      push(t.name === '' && parsed && parsed.nameOffsetOf(id) !== 0 ? EMPTY_NAME : strings.add(t.name));
      push((kindFlag ? 1 << 31 : 0) | (t.kind << 24) | (vlen & 0xffff));
      push(sizeOrType);
    };
    switch (t.kind) {
      case BtfKind.Int:
        record(0, false, t.size);
        push((t.encoding << 24) | (t.bitOffset << 16) | t.bits);
        break;
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict:
        record(0, false, t.target);
        break;
      case BtfKind.TypeTag:
        record(0, t.attribute === true, t.target);
        break;
      case BtfKind.Array:
        record(0, false, 0);
        push(t.elementType); push(t.indexType); push(t.count);
        break;
      case BtfKind.Struct: case BtfKind.Union:
        record(t.members.length, t.kindFlag, t.size);
        for (const m of t.members) {
          push(strings.add(m.name)); push(m.type);
          push(t.kindFlag ? (m.bitfieldSize << 24) | m.bitOffset : m.bitOffset);
        }
        break;
      case BtfKind.Enum:
        record(t.values.length, t.signed, t.size);
        for (const v of t.values) { push(strings.add(v.name)); push(v.value); }
        break;
      case BtfKind.Enum64:
        record(t.values.length, t.signed, t.size);
        for (const v of t.values) {
          const bits = BigInt.asUintN(64, v.value);
          push(strings.add(v.name)); push(Number(bits & 0xffffffffn)); push(Number(bits >> 32n));
        }
        break;
      case BtfKind.Fwd:
        record(0, t.union, 0);
        break;
      case BtfKind.Func:
        record(t.linkage, false, t.proto);
        break;
      case BtfKind.FuncProto:
        record(t.parameters.length, false, t.returnType);
        for (const p of t.parameters) { push(strings.add(p.name)); push(p.type); }
        break;
      case BtfKind.Var:
        record(0, false, t.type);
        push(t.linkage);
        break;
      case BtfKind.Datasec:
        record(t.variables.length, false, t.size);
        for (const v of t.variables) { push(v.type); push(v.offset); push(v.size); }
        break;
      case BtfKind.Float:
        record(0, false, t.size);
        break;
      case BtfKind.DeclTag:
        record(0, t.attribute, t.target);
        push(t.componentIndex);
        break;
      default:
        throw new BtfError(0, `type ${id} has unknown kind ${(t as { kind: number }).kind}`);
    }
  }
  return { count, words: words.subarray(0, length), at, names: strings.bytes() };
}

/** Offset of a second empty string in StringBytes' table: the name of a named type whose name is ''. */
const EMPTY_NAME = 1;

/** A growing string table: UTF-8, NUL-terminated, offset 0 (and EMPTY_NAME) the empty string. */
class StringBytes {
  private table = new Uint8Array(1 << 12);
  private length = 2;
  private readonly offsets = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  add(text: string): number {
    if (text === '') return 0;
    const known = this.offsets.get(text);
    if (known !== undefined) return known;
    const encoded = this.encoder.encode(text);
    const at = this.length;
    const needed = at + encoded.length + 1;
    if (needed > this.table.length) {
      let capacity = this.table.length * 2;
      while (capacity < needed) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.table.subarray(0, at));
      this.table = next;
    }
    this.table.set(encoded, at);
    this.table[at + encoded.length] = 0;
    this.length = needed;
    this.offsets.set(text, at);
    return at;
  }

  bytes(): Uint8Array {
    return this.table.subarray(0, this.length);
  }
}

/**
 * One loop over every record: marks referenced types, and checks that referenced ids exist and entry
 * names are inside the string table (type names were checked by the parser, or are ours).
 */
function checkAndMarkReferences(flat: Unchecked, offsetOf: (id: number) => number): Uint8Array {
  const { count, words, at, names } = flat;
  const referenced = new Uint8Array(count);
  const nameLimit = names.length;
  // out-of-range ids and offsets are collected as one maximum each, then checked once
  let maxType = 0;
  let maxName = 0;
  let badReturn = 0;
  for (let id = 1; id < count; id++) {
    const r = at[id]!;
    const info = words[r + 1]!;
    const vlen = info & 0xffff;
    const data = r + 3;
    switch ((info >>> 24) & 0x1f) {
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict:
      case BtfKind.TypeTag: case BtfKind.DeclTag: case BtfKind.Func: case BtfKind.Var: {
        const target = words[r + 2]! >>> 0;
        if (target >= count) return fail(flat, offsetOf);
        referenced[target] = 1;
        break;
      }
      case BtfKind.Struct: case BtfKind.Union:
        for (let e = data, end = data + vlen * 3; e < end; e += 3) {
          const type = words[e + 1]! >>> 0;
          if (type > maxType) maxType = type;
          const name = words[e]! >>> 0;
          if (name > maxName) maxName = name;
          if (type < count) referenced[type] = 1;
        }
        break;
      case BtfKind.FuncProto: {
        // the return type must exist, but using it doesn't make a type "referenced"
        const returned = words[r + 2]! >>> 0;
        if (returned > badReturn) badReturn = returned;
        for (let e = data, end = data + vlen * 2; e < end; e += 2) {
          const type = words[e + 1]! >>> 0;
          if (type > maxType) maxType = type;
          const name = words[e]! >>> 0;
          if (name > maxName) maxName = name;
          if (type < count) referenced[type] = 1;
        }
        break;
      }
      case BtfKind.Enum:
        for (let e = data, end = data + vlen * 2; e < end; e += 2) if (words[e]! >>> 0 > maxName) maxName = words[e]! >>> 0;
        break;
      case BtfKind.Enum64:
        for (let e = data, end = data + vlen * 3; e < end; e += 3) if (words[e]! >>> 0 > maxName) maxName = words[e]! >>> 0;
        break;
      case BtfKind.Datasec:
        for (let e = data, end = data + vlen * 3; e < end; e += 3) {
          const type = words[e]! >>> 0;
          if (type > maxType) maxType = type;
          if (type < count) referenced[type] = 1;
        }
        break;
      case BtfKind.Array: {
        const element = words[data]! >>> 0;
        const index = words[data + 1]! >>> 0;
        if (element >= count) return fail(flat, offsetOf);
        if (index >= count) return fail(flat, offsetOf);
        referenced[element] = 1;
        referenced[index] = 1;
        break;
      }
      default:
        break;
    }
  }
  if (maxType >= count || badReturn >= count || maxName >= nameLimit) return fail(flat, offsetOf);
  return referenced;
}

/** Finds the first record that refers to a missing type or name, and says so (kept out of the hot loop). */
function fail(flat: Unchecked, offsetOf: (id: number) => number): never {
  const { count, words, at, names } = flat;
  for (let id = 1; id < count; id++) {
    const r = at[id]!;
    const info = words[r + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const types: number[] = [];
    const entryNames: number[] = [];
    switch (kind) {
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict:
      case BtfKind.TypeTag: case BtfKind.DeclTag: case BtfKind.Func: case BtfKind.Var: case BtfKind.FuncProto:
        types.push(words[r + 2]! >>> 0);
        break;
      case BtfKind.Array:
        types.push(words[r + 3]! >>> 0, words[r + 4]! >>> 0);
        break;
      default:
        break;
    }
    const stride = kind === BtfKind.FuncProto || kind === BtfKind.Enum ? 2 : 3;
    for (let i = 0; i < vlen; i++) {
      const e = r + 3 + i * stride;
      if (kind === BtfKind.Struct || kind === BtfKind.Union || kind === BtfKind.FuncProto) types.push(words[e + 1]! >>> 0);
      if (kind === BtfKind.Datasec) types.push(words[e]! >>> 0);
      else if (kind !== BtfKind.Array) entryNames.push(words[e]! >>> 0);
    }
    const missing = types.find((type) => type >= count);
    if (missing !== undefined) throw new BtfError(offsetOf(id), `type ${id} refers to type ${missing}, which does not exist (ids run 0..${count - 1})`);
    const outside = kind === BtfKind.Struct || kind === BtfKind.Union || kind === BtfKind.FuncProto || kind === BtfKind.Enum || kind === BtfKind.Enum64
      ? entryNames.find((name) => name >= names.length) : undefined;
    if (outside !== undefined) throw new BtfError(offsetOf(id), `type ${id} has an entry name offset ${outside} outside the ${names.length}-byte string table`);
  }
  throw new BtfError(0, 'a type refers to a missing type or name');
}
