/**
 * Bytes ⇄ plain JS values by BTF type, so a global variable, a map value or an event reads as what the C
 * says: integers as number (bigint from 8 bytes), bool as boolean, char arrays as strings, enums as their
 * enumerator names, floats, arrays, structs and unions as objects, pointers as bigint addresses.
 * Writing checks the value against the type (range, string length, member names) and throws a
 * BtfValueError naming the path that is wrong. Malformed BTF (members past their struct, nesting past
 * MAX_VALUE_DEPTH, an array of billions of empty elements) gives a BtfError, bytes shorter than the
 * type a BtfValueError. Pure: no Node imports.
 */
import type { Btf } from './btf.js';
import { TsbpfError } from '../errors.js';
import { BtfKind, IntEncoding, type BtfType } from './types.js';
import { MAX_VALUE_DEPTH, memberPlacement, tooDeep, tooManyValues, valueBudget } from './value-layout.js';

export type BtfValue = number | bigint | boolean | string | null | BtfValue[] | { [member: string]: BtfValue };

export class BtfValueError extends TsbpfError {}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function isCharArray(btf: Btf, t: BtfType): boolean {
  if (t.kind !== BtfKind.Array) return false;
  const element = btf.type(btf.resolve(t.elementType));
  return element.kind === BtfKind.Int && element.size === 1 && ((element.encoding & IntEncoding.Char) !== 0 || element.name === 'char' || element.name === 'unsigned char' || element.name === 'signed char');
}

function readInteger(view: DataView, at: number, size: number, signed: boolean, little: boolean): number | bigint {
  switch (size) {
    case 1: return signed ? view.getInt8(at) : view.getUint8(at);
    case 2: return signed ? view.getInt16(at, little) : view.getUint16(at, little);
    case 4: return signed ? view.getInt32(at, little) : view.getUint32(at, little);
    case 8: return signed ? view.getBigInt64(at, little) : view.getBigUint64(at, little);
    default: {
      // 16-byte __int128 and other odd sizes: an unsigned bigint of the bytes
      let value = 0n;
      for (let i = 0; i < size; i++) value |= BigInt(view.getUint8(at + (little ? i : size - 1 - i))) << BigInt(8 * i);
      return value;
    }
  }
}

/** Kinds (a bit each) that decode to a value, and so have a size. */
const VALUE_KINDS = (1 << BtfKind.Int) | (1 << BtfKind.Pointer) | (1 << BtfKind.Enum) | (1 << BtfKind.Enum64) | (1 << BtfKind.Float)
  | (1 << BtfKind.Array) | (1 << BtfKind.Struct) | (1 << BtfKind.Union);

/** What one walk may still make: JS values left (valueBudget), for the error, the root type. */
interface Walk { values: number; readonly root: number }

/** Reads the value of type `typeId` at `offset` of `bytes`. */
export function decodeBtfValue(btf: Btf, typeId: number, bytes: Uint8Array, offset = 0): BtfValue {
  const id = btf.resolve(typeId);
  // kinds that decode to null (void, functions, sections) read no bytes
  const size = VALUE_KINDS & (1 << btf.kindOf(id)) ? btf.sizeOf(id) : 0;
  if (!(offset >= 0 && offset + size <= bytes.length && Number.isInteger(offset))) {
    throw new BtfValueError(`${size} bytes of type ${typeId} at offset ${offset} do not fit in ${bytes.length} bytes`, 'pass the whole value (a map value, an event, a section)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const walk: Walk = { values: valueBudget(size), root: id };
  return decodeAt(btf, id, view, offset, btf.littleEndian, walk, 0);
}

function decodeAt(btf: Btf, id: number, view: DataView, at: number, little: boolean, walk: Walk, depth: number): BtfValue {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(btf, id);
  if (--walk.values < 0) throw tooManyValues(btf, walk.root, valueBudget(btf.sizeOf(walk.root)) + 1);
  const t = btf.type(id);
  switch (t.kind) {
    case BtfKind.Int:
      if (t.encoding & IntEncoding.Bool) return view.getUint8(at) !== 0;
      return readInteger(view, at, t.size, (t.encoding & IntEncoding.Signed) !== 0, little);
    case BtfKind.Pointer:
      return btf.pointerSize() === 8 ? view.getBigUint64(at, little) : view.getUint32(at, little);
    case BtfKind.Enum:
    case BtfKind.Enum64: {
      const raw = readInteger(view, at, t.size, t.signed, little);
      const found = (t.values as readonly { name: string; value: number | bigint }[]).find((v) => BigInt(v.value) === BigInt(raw));
      return found ? found.name : raw;
    }
    case BtfKind.Float:
      return t.size === 4 ? view.getFloat32(at, little) : t.size === 8 ? view.getFloat64(at, little) : readInteger(view, at, t.size, false, little);
    case BtfKind.Array: {
      if (isCharArray(btf, t)) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset + at, t.count);
        const end = bytes.indexOf(0);
        return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
      }
      const element = btf.resolve(t.elementType);
      const size = btf.sizeOf(element);
      // the budget is checked before the array is made: a count of 2^32 empty elements fails here, not in the allocator
      if (t.count > walk.values) throw tooManyValues(btf, walk.root, t.count);
      const out: BtfValue[] = new Array<BtfValue>(t.count);
      for (let i = 0; i < t.count; i++) out[i] = decodeAt(btf, element, view, at + i * size, little, walk, depth + 1);
      return out;
    }
    case BtfKind.Struct:
    case BtfKind.Union: {
      const result: { [member: string]: BtfValue } = {};
      t.members.forEach((member, index) => {
        const placement = memberPlacement(btf, t, member, index);
        const memberType = btf.resolve(member.type);
        const value = member.bitfieldSize > 0
          ? readBitfield(view, at, placement, member.bitfieldSize, btf.type(memberType), little)
          : decodeAt(btf, memberType, view, at + placement, little, walk, depth + 1);
        const name = member.name || `__anon${index}`;
        if (member.name === '' && typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(result, value);
        else result[name] = value;
      });
      return result;
    }
    default:
      return null;
  }
}

function readBitfield(view: DataView, base: number, bitOffset: number, bits: number, t: BtfType, little: boolean): number | boolean {
  const firstByte = Math.floor(bitOffset / 8);
  const span = Math.ceil((bitOffset % 8 + bits) / 8);
  let raw = 0n;
  for (let i = 0; i < span; i++) {
    const byte = BigInt(view.getUint8(base + firstByte + i));
    raw |= little ? byte << BigInt(8 * i) : byte << BigInt(8 * (span - 1 - i));
  }
  const shift = little ? bitOffset % 8 : span * 8 - (bitOffset % 8) - bits;
  let value = (raw >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
  const signed = (t.kind === BtfKind.Int && (t.encoding & IntEncoding.Signed) !== 0) || (t.kind === BtfKind.Enum && t.signed);
  if (signed && value & (1n << BigInt(bits - 1))) value -= 1n << BigInt(bits);
  if (t.kind === BtfKind.Int && t.encoding & IntEncoding.Bool) return value !== 0n;
  return Number(value);
}

/** Writes `value` as type `typeId` at `offset` of `bytes`; throws BtfValueError when it does not fit. */
export function encodeBtfValue(btf: Btf, typeId: number, value: BtfValue, bytes: Uint8Array, offset = 0, path = 'value'): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  encodeAt(btf, btf.resolve(typeId), value, view, offset, btf.littleEndian, path);
}

function toBigInt(value: BtfValue, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'boolean') return value ? 1n : 0n;
  throw new BtfValueError(`${path}: expected an integer, got ${describe(value)}`);
}

function describe(value: BtfValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function writeInteger(view: DataView, at: number, size: number, signed: boolean, value: bigint, little: boolean, path: string, typeName: string): void {
  const bits = BigInt(size * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (value < min || value > max) throw new BtfValueError(`${path}: ${value} does not fit ${typeName} (${min}..${max})`);
  const raw = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) view.setUint8(at + (little ? i : size - 1 - i), Number((raw >> BigInt(8 * i)) & 0xffn));
}

function encodeAt(btf: Btf, id: number, value: BtfValue, view: DataView, at: number, little: boolean, path: string): void {
  const t = btf.type(id);
  switch (t.kind) {
    case BtfKind.Int:
      if (t.encoding & IntEncoding.Bool) {
        if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new BtfValueError(`${path}: expected a boolean, got ${describe(value)}`);
        view.setUint8(at, value === true || value === 1 ? 1 : 0);
        return;
      }
      writeInteger(view, at, t.size, (t.encoding & IntEncoding.Signed) !== 0, toBigInt(value, path), little, path, t.name);
      return;
    case BtfKind.Pointer:
      writeInteger(view, at, btf.pointerSize(), false, toBigInt(value, path), little, path, 'a pointer');
      return;
    case BtfKind.Enum:
    case BtfKind.Enum64: {
      let raw: bigint;
      if (typeof value === 'string') {
        const found = (t.values as readonly { name: string; value: number | bigint }[]).find((v) => v.name === value);
        if (!found) throw new BtfValueError(`${path}: '${value}' is not an enumerator of enum ${t.name || '(anon)'}`, `use one of ${t.values.map((v) => v.name).join(', ')}`);
        raw = BigInt(found.value);
      } else raw = toBigInt(value, path);
      writeInteger(view, at, t.size, t.signed || raw < 0n, raw, little, path, `enum ${t.name || '(anon)'}`);
      return;
    }
    case BtfKind.Float:
      if (typeof value !== 'number') throw new BtfValueError(`${path}: expected a number, got ${describe(value)}`);
      if (t.size === 4) view.setFloat32(at, value, little);
      else if (t.size === 8) view.setFloat64(at, value, little);
      else throw new BtfValueError(`${path}: ${t.size}-byte floats are not writable from JavaScript`);
      return;
    case BtfKind.Array: {
      if (isCharArray(btf, t) && typeof value === 'string') {
        const encoded = encoder.encode(value);
        if (encoded.length > t.count) throw new BtfValueError(`${path}: '${value}' is ${encoded.length} bytes, longer than char[${t.count}]`);
        for (let i = 0; i < t.count; i++) view.setUint8(at + i, encoded[i] ?? 0);
        return;
      }
      if (!Array.isArray(value)) throw new BtfValueError(`${path}: expected an array of ${t.count}, got ${describe(value)}`);
      if (value.length > t.count) throw new BtfValueError(`${path}: ${value.length} elements do not fit an array of ${t.count}`);
      const element = btf.resolve(t.elementType);
      const size = btf.sizeOf(element);
      for (let i = 0; i < t.count; i++) {
        if (i < value.length) encodeAt(btf, element, value[i]!, view, at + i * size, little, `${path}[${i}]`);
        else for (let b = 0; b < size; b++) view.setUint8(at + i * size + b, 0);
      }
      return;
    }
    case BtfKind.Struct:
    case BtfKind.Union: {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BtfValueError(`${path}: expected an object for ${t.name || 'an anonymous struct'}, got ${describe(value)}`);
      const known = new Set(t.members.map((m) => m.name));
      for (const key of Object.keys(value)) if (!known.has(key)) throw new BtfValueError(`${path}: ${t.name || 'the struct'} has no member '${key}'`, `members: ${[...known].filter(Boolean).join(', ')}`);
      for (const member of t.members) {
        const memberValue = value[member.name];
        if (memberValue === undefined) continue;
        if (member.bitfieldSize > 0) throw new BtfValueError(`${path}.${member.name}: bitfields are read-only here`);
        encodeAt(btf, btf.resolve(member.type), memberValue, view, at + member.bitOffset / 8, little, `${path}.${member.name}`);
      }
      return;
    }
    default:
      throw new BtfValueError(`${path}: a ${t.kind === BtfKind.Void ? 'void' : 'type of BTF kind ' + t.kind} value cannot be written`);
  }
}
