/**
 * Compiled BTF decoders: for a type, a tree of small readers built once, so decoding a stream of events
 * (`struct event` from a ring buffer) costs a few DataView reads per field, not a BTF walk per record.
 * Same results as decodeBtfValue: integers as number (bigint from 8 bytes), bool as boolean, char arrays
 * as strings, enums as their enumerator names, floats, arrays, structs and unions as plain objects.
 * Malformed BTF (members past their struct, a struct that contains itself, nesting past
 * MAX_VALUE_DEPTH) is refused with a BtfError when the decoder is built; bytes shorter than the
 * type, with a BtfValueError when they are decoded. Pure: no Node imports.
 */
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfKind, IntEncoding, type BtfType } from './types.js';
import { BtfValueError, type BtfValue } from './value-codec.js';
import { MAX_VALUE_DEPTH, memberPlacement, tooDeep, tooManyValues, valueBudget } from './value-layout.js';

export type BtfDecoder = (bytes: Uint8Array, offset?: number) => BtfValue;
type Reader = (view: DataView, at: number) => BtfValue;

const decoders = new WeakMap<Btf, Map<number, BtfDecoder>>();
/** One compiler per BTF, so that types shared by several decoders (a struct in many events) compile once. */
const compilers = new WeakMap<Btf, Compiler>();
/** Kinds (a bit each) that decode to a value, and so have a size. */
const VALUE_KINDS = (1 << BtfKind.Int) | (1 << BtfKind.Pointer) | (1 << BtfKind.Enum) | (1 << BtfKind.Enum64) | (1 << BtfKind.Float)
  | (1 << BtfKind.Array) | (1 << BtfKind.Struct) | (1 << BtfKind.Union);
const text = new TextDecoder();

/** A decoder for type `typeId` of `btf` (cached per BTF and type). */
export function btfDecoder(btf: Btf, typeId: number): BtfDecoder {
  let perBtf = decoders.get(btf);
  if (!perBtf) decoders.set(btf, (perBtf = new Map()));
  let decoder = perBtf.get(typeId);
  if (!decoder) {
    const id = btf.resolve(typeId);
    let compiler = compilers.get(btf);
    if (!compiler) compilers.set(btf, (compiler = new Compiler(btf)));
    const read = compiler.compileRoot(id);
    // kinds that decode to null (void, functions, sections) read no bytes
    const size = VALUE_KINDS & (1 << btf.kindOf(id)) ? btf.sizeOf(id) : 0;
    const values = compiler.valuesOf(id);
    if (values > valueBudget(size)) throw tooManyValues(btf, id, values);
    decoder = (bytes, offset = 0) => {
      // the one bounds check: the compiled readers stay within `size` bytes of `offset`
      if (!(offset >= 0 && offset + size <= bytes.length && Number.isInteger(offset))) {
        throw new BtfValueError(`${size} bytes of type ${typeId} at offset ${offset} do not fit in ${bytes.length} bytes`, 'pass the whole value (a map value, an event, a section)');
      }
      return read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset);
    };
    perBtf.set(typeId, decoder);
  }
  return decoder;
}

const KIND_WORDS: Record<string, BtfKind> = { struct: BtfKind.Struct, union: BtfKind.Union, enum: BtfKind.Enum };

/** The type a C name means: `struct event`, `union u`, `enum e`, or a typedef/int name. */
export function findTypeByCName(btf: Btf, name: string): number {
  const [word, rest] = name.trim().split(/\s+/, 2) as [string, string | undefined];
  const kind = rest !== undefined ? KIND_WORDS[word] : undefined;
  if (rest !== undefined && kind === undefined) throw new BtfError(0, `'${name}' is not a C type name`, 'write struct NAME, union NAME, enum NAME or a typedef');
  const wanted = rest ?? word;
  const found = kind === BtfKind.Enum
    ? [...btf.findByName(wanted, BtfKind.Enum), ...btf.findByName(wanted, BtfKind.Enum64)]
    : kind !== undefined ? btf.findByName(wanted, kind) : btf.findByName(wanted).filter((t) => t.kind !== BtfKind.Func && t.kind !== BtfKind.Var && t.kind !== BtfKind.Datasec && t.kind !== BtfKind.Fwd);
  if (found.length === 0) throw new BtfError(0, `the BTF has no type '${name}'`, 'check the name in the object (tsbpf btf dump ... format c)');
  return found[0]!.id;
}

function integerReader(size: number, signed: boolean, little: boolean): (view: DataView, at: number) => number | bigint {
  switch (size) {
    case 1: return signed ? (v, a) => v.getInt8(a) : (v, a) => v.getUint8(a);
    case 2: return signed ? (v, a) => v.getInt16(a, little) : (v, a) => v.getUint16(a, little);
    case 4: return signed ? (v, a) => v.getInt32(a, little) : (v, a) => v.getUint32(a, little);
    case 8: return signed ? (v, a) => v.getBigInt64(a, little) : (v, a) => v.getBigUint64(a, little);
    default: return (v, a) => {
      let value = 0n;
      for (let i = 0; i < size; i++) value |= BigInt(v.getUint8(a + (little ? i : size - 1 - i))) << BigInt(8 * i);
      return value;
    };
  }
}

function isChar(t: BtfType): boolean {
  return t.kind === BtfKind.Int && t.size === 1 && ((t.encoding & IntEncoding.Char) !== 0 || /char$/.test(t.name));
}

/**
 * Builds the readers of one decoder. Each type is compiled once (`readers`); a struct met again
 * while its members are being compiled contains itself by value, which no C type can.
 */
class Compiler {
  private readonly readers = new Map<number, Reader>();
  /** JS values one decode of each compiled type makes (see valueBudget). */
  private readonly values = new Map<number, number>();
  private readonly compiling = new Set<number>();

  constructor(private readonly btf: Btf) {}

  valuesOf(id: number): number {
    return this.values.get(id) ?? 1;
  }

  /** compile() from the top; after a refusal, the types it was in the middle of are forgotten. */
  compileRoot(id: number): Reader {
    try {
      return this.compile(id, 0);
    } finally {
      this.compiling.clear();
    }
  }

  compile(id: number, depth: number): Reader {
    const known = this.readers.get(id);
    if (known) return known;
    if (this.compiling.has(id) || depth > MAX_VALUE_DEPTH) throw tooDeep(this.btf, id);
    this.compiling.add(id);
    const reader = this.build(id, depth + 1);
    this.compiling.delete(id);
    this.readers.set(id, reader);
    return reader;
  }

  private build(id: number, depth: number): Reader {
    const btf = this.btf;
    const little = btf.littleEndian;
    const t = btf.type(id);
    switch (t.kind) {
      case BtfKind.Int:
        return t.encoding & IntEncoding.Bool ? (v, a) => v.getUint8(a) !== 0 : integerReader(t.size, (t.encoding & IntEncoding.Signed) !== 0, little);
      case BtfKind.Pointer:
        return btf.pointerSize() === 8 ? (v, a) => v.getBigUint64(a, little) : (v, a) => v.getUint32(a, little);
      case BtfKind.Enum:
      case BtfKind.Enum64: {
        const raw = integerReader(t.size, t.signed, little);
        const names = new Map<string, string>((t.values as readonly { name: string; value: number | bigint }[]).map((e) => [String(e.value), e.name]));
        return (v, a) => {
          const value = raw(v, a);
          return names.get(String(value)) ?? value;
        };
      }
      case BtfKind.Float:
        return t.size === 4 ? (v, a) => v.getFloat32(a, little) : t.size === 8 ? (v, a) => v.getFloat64(a, little) : integerReader(t.size, false, little);
      case BtfKind.Array: {
        const elementId = btf.resolve(t.elementType);
        const count = t.count;
        // the array's size (count × element, at most 4 GiB) is checked here, once
        btf.sizeOf(id);
        if (isChar(btf.type(elementId))) {
          return (v, a) => {
            const bytes = new Uint8Array(v.buffer, v.byteOffset + a, count);
            const end = bytes.indexOf(0);
            return text.decode(end < 0 ? bytes : bytes.subarray(0, end));
          };
        }
        const size = btf.sizeOf(elementId);
        const element = this.compile(elementId, depth);
        const values = count * this.valuesOf(elementId);
        if (values > valueBudget(count * size)) throw tooManyValues(btf, id, values);
        this.values.set(id, values);
        return (v, a) => {
          const out: BtfValue[] = new Array<BtfValue>(count);
          for (let i = 0; i < count; i++) out[i] = element(v, a + i * size);
          return out;
        };
      }
      case BtfKind.Struct:
      case BtfKind.Union: {
        const fields: { name: string; read: Reader; flatten: boolean }[] = [];
        let values = 1;
        t.members.forEach((member, index) => {
          const placement = memberPlacement(btf, t, member, index);
          const memberId = btf.resolve(member.type);
          const memberType = btf.type(memberId);
          let read: Reader;
          if (member.bitfieldSize > 0) {
            read = bitfieldReader(placement, member.bitfieldSize, memberType, little);
          } else {
            const inner = this.compile(memberId, depth);
            values += this.valuesOf(memberId);
            read = (v, a) => inner(v, a + placement);
          }
          const anonymousComposite = member.name === '' && (memberType.kind === BtfKind.Struct || memberType.kind === BtfKind.Union);
          fields.push({ name: member.name || `__anon${index}`, read, flatten: anonymousComposite });
        });
        if (values > valueBudget(t.size)) throw tooManyValues(btf, id, values);
        this.values.set(id, values);
        return (v, a) => {
          const out: { [member: string]: BtfValue } = {};
          for (const field of fields) {
            const value = field.read(v, a);
            if (field.flatten) Object.assign(out, value as object);
            else out[field.name] = value;
          }
          return out;
        };
      }
      default:
        return () => null;
    }
  }
}

function bitfieldReader(bitOffset: number, bits: number, t: BtfType, little: boolean): Reader {
  const firstByte = Math.floor(bitOffset / 8);
  const span = Math.ceil(((bitOffset % 8) + bits) / 8);
  const shift = little ? BigInt(bitOffset % 8) : BigInt(span * 8 - (bitOffset % 8) - bits);
  const mask = (1n << BigInt(bits)) - 1n;
  const signed = (t.kind === BtfKind.Int && (t.encoding & IntEncoding.Signed) !== 0) || (t.kind === BtfKind.Enum && t.signed);
  const bool = t.kind === BtfKind.Int && (t.encoding & IntEncoding.Bool) !== 0;
  return (v, a) => {
    let raw = 0n;
    for (let i = 0; i < span; i++) {
      const byte = BigInt(v.getUint8(a + firstByte + i));
      raw |= little ? byte << BigInt(8 * i) : byte << BigInt(8 * (span - 1 - i));
    }
    let value = (raw >> shift) & mask;
    if (signed && value & (1n << BigInt(bits - 1))) value -= 1n << BigInt(bits);
    return bool ? value !== 0n : Number(value);
  };
}
