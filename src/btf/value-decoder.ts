/**
 * Compiled BTF decoders: for a type, a tree of small readers built once, so decoding a stream of events
 * (`struct event` from a ring buffer) costs a few DataView reads per field, not a BTF walk per record.
 * Same results as decodeBtfValue: integers as number (bigint from 8 bytes), bool as boolean, char arrays
 * as strings, enums as their enumerator names, floats, arrays, structs and unions as plain objects.
 * Pure: no Node imports.
 */
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfKind, IntEncoding, type BtfType } from './types.js';
import type { BtfValue } from './value-codec.js';

export type BtfDecoder = (bytes: Uint8Array, offset?: number) => BtfValue;
type Reader = (view: DataView, at: number) => BtfValue;

const decoders = new WeakMap<Btf, Map<number, BtfDecoder>>();
const text = new TextDecoder();

/** A decoder for type `typeId` of `btf` (cached per BTF and type). */
export function btfDecoder(btf: Btf, typeId: number): BtfDecoder {
  let perBtf = decoders.get(btf);
  if (!perBtf) decoders.set(btf, (perBtf = new Map()));
  let decoder = perBtf.get(typeId);
  if (!decoder) {
    const read = compile(btf, btf.resolve(typeId), new Map());
    decoder = (bytes, offset = 0) => read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset);
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

function compile(btf: Btf, id: number, building: Map<number, Reader>): Reader {
  const known = building.get(id);
  if (known) return known;
  const little = btf.littleEndian;
  const t = btf.type(id);
  let reader: Reader;
  switch (t.kind) {
    case BtfKind.Int:
      reader = t.encoding & IntEncoding.Bool ? (v, a) => v.getUint8(a) !== 0 : integerReader(t.size, (t.encoding & IntEncoding.Signed) !== 0, little);
      break;
    case BtfKind.Pointer:
      reader = btf.pointerSize() === 8 ? (v, a) => v.getBigUint64(a, little) : (v, a) => v.getUint32(a, little);
      break;
    case BtfKind.Enum:
    case BtfKind.Enum64: {
      const raw = integerReader(t.size, t.signed, little);
      const names = new Map<string, string>((t.values as readonly { name: string; value: number | bigint }[]).map((e) => [String(e.value), e.name]));
      reader = (v, a) => {
        const value = raw(v, a);
        return names.get(String(value)) ?? value;
      };
      break;
    }
    case BtfKind.Float:
      reader = t.size === 4 ? (v, a) => v.getFloat32(a, little) : t.size === 8 ? (v, a) => v.getFloat64(a, little) : integerReader(t.size, false, little);
      break;
    case BtfKind.Array: {
      const elementId = btf.resolve(t.elementType);
      const count = t.count;
      if (isChar(btf.type(elementId))) {
        reader = (v, a) => {
          const bytes = new Uint8Array(v.buffer, v.byteOffset + a, count);
          const end = bytes.indexOf(0);
          return text.decode(end < 0 ? bytes : bytes.subarray(0, end));
        };
        break;
      }
      const size = btf.sizeOf(elementId);
      const element = compile(btf, elementId, building);
      reader = (v, a) => {
        const out: BtfValue[] = new Array<BtfValue>(count);
        for (let i = 0; i < count; i++) out[i] = element(v, a + i * size);
        return out;
      };
      break;
    }
    case BtfKind.Struct:
    case BtfKind.Union: {
      // a placeholder first: a struct that points to itself only does so through pointers, which read as numbers
      const fields: { name: string; read: Reader; flatten: boolean }[] = [];
      reader = (v, a) => {
        const out: { [member: string]: BtfValue } = {};
        for (const field of fields) {
          const value = field.read(v, a);
          if (field.flatten) Object.assign(out, value as object);
          else out[field.name] = value;
        }
        return out;
      };
      building.set(id, reader);
      t.members.forEach((member, index) => {
        const memberId = btf.resolve(member.type);
        const memberType = btf.type(memberId);
        const byte = Math.floor(member.bitOffset / 8);
        let read: Reader;
        if (member.bitfieldSize > 0) {
          read = bitfieldReader(member.bitOffset, member.bitfieldSize, memberType, little);
        } else {
          const inner = compile(btf, memberId, building);
          read = (v, a) => inner(v, a + byte);
        }
        const anonymousComposite = member.name === '' && (memberType.kind === BtfKind.Struct || memberType.kind === BtfKind.Union);
        fields.push({ name: member.name || `__anon${index}`, read, flatten: anonymousComposite });
      });
      return reader;
    }
    default:
      reader = () => null;
  }
  building.set(id, reader);
  return reader;
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
