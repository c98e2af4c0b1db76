/**
 * Codecs: fixed-size, little-endian (host order on every BPF target tsbpf supports) encoders between
 * JS values and map bytes. Each knows its size and C alignment, so structs lay out as clang would.
 */
import { InvalidArgumentError } from '../errors.js';

export interface Codec<T> {
  readonly size: number;
  readonly align: number;
  /** Writes `value` at `offset`; every byte of the codec's size is written (padding zeroed). */
  encode(value: T, view: DataView, offset: number): void;
  decode(view: DataView, offset: number): T;
}

export type CodecValue<C> = C extends Codec<infer T> ? T : never;

function scalar<T>(size: number, encode: Codec<T>['encode'], decode: Codec<T>['decode']): Codec<T> {
  return { size, align: size, encode, decode };
}

export const u8 = scalar<number>(1, (v, d, o) => d.setUint8(o, v), (d, o) => d.getUint8(o));
export const i8 = scalar<number>(1, (v, d, o) => d.setInt8(o, v), (d, o) => d.getInt8(o));
export const u16 = scalar<number>(2, (v, d, o) => d.setUint16(o, v, true), (d, o) => d.getUint16(o, true));
export const i16 = scalar<number>(2, (v, d, o) => d.setInt16(o, v, true), (d, o) => d.getInt16(o, true));
export const u32 = scalar<number>(4, (v, d, o) => d.setUint32(o, v, true), (d, o) => d.getUint32(o, true));
export const i32 = scalar<number>(4, (v, d, o) => d.setInt32(o, v, true), (d, o) => d.getInt32(o, true));
export const u64 = scalar<bigint>(8, (v, d, o) => d.setBigUint64(o, v, true), (d, o) => d.getBigUint64(o, true));
export const i64 = scalar<bigint>(8, (v, d, o) => d.setBigInt64(o, v, true), (d, o) => d.getBigInt64(o, true));
export const f32 = scalar<number>(4, (v, d, o) => d.setFloat32(o, v, true), (d, o) => d.getFloat32(o, true));
export const f64 = scalar<number>(8, (v, d, o) => d.setFloat64(o, v, true), (d, o) => d.getFloat64(o, true));
export const bool = scalar<boolean>(1, (v, d, o) => d.setUint8(o, v ? 1 : 0), (d, o) => d.getUint8(o) !== 0);

function checkLength(kind: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${kind} length must be a non-negative integer, got ${String(n)}`);
}

/** `n` raw bytes; shorter input is zero-padded, longer is an error. Decodes to a copy. */
export function bytes(n: number): Codec<Uint8Array> {
  checkLength('bytes', n);
  return {
    size: n,
    align: 1,
    encode(value, view, offset) {
      if (value.length > n) throw new InvalidArgumentError(`bytes(${n}) got ${value.length} bytes`);
      const target = new Uint8Array(view.buffer, view.byteOffset + offset, n);
      target.set(value);
      target.fill(0, value.length);
    },
    decode(view, offset) {
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    },
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A NUL-padded C string in `n` bytes (char name[n]); decoding stops at the first NUL. */
export function cstring(n: number): Codec<string> {
  checkLength('cstring', n);
  return {
    size: n,
    align: 1,
    encode(value, view, offset) {
      const target = new Uint8Array(view.buffer, view.byteOffset + offset, n);
      const { written } = utf8Encoder.encodeInto(value, target);
      if (written < value.length && utf8Encoder.encode(value).length > n) {
        throw new InvalidArgumentError(`cstring(${n}) cannot hold ${JSON.stringify(value)}`);
      }
      target.fill(0, written);
    },
    decode(view, offset) {
      const source = new Uint8Array(view.buffer, view.byteOffset + offset, n);
      const end = source.indexOf(0);
      return utf8Decoder.decode(source.subarray(0, end < 0 ? n : end));
    },
  };
}

/** A C array of `n` elements. */
export function array<T>(codec: Codec<T>, n: number): Codec<T[]> {
  checkLength('array', n);
  return {
    size: codec.size * n,
    align: codec.align,
    encode(value, view, offset) {
      if (value.length !== n) throw new InvalidArgumentError(`array of ${n} got ${value.length} elements`);
      for (let i = 0; i < n; i++) codec.encode(value[i] as T, view, offset + i * codec.size);
    },
    decode(view, offset) {
      const out: T[] = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = codec.decode(view, offset + i * codec.size);
      return out;
    },
  };
}

export type StructFields = Record<string, Codec<never> | Codec<unknown>>;
export type StructValue<F extends StructFields> = { [K in keyof F]: CodecValue<F[K]> };

export interface StructCodec<F extends StructFields> extends Codec<StructValue<F>> {
  /** Byte offset of each field. */
  readonly offsets: { readonly [K in keyof F]: number };
}

/** A C struct: fields in order at their natural alignment (or none with `packed`), size padded to the largest. */
export function struct<F extends StructFields>(fields: F, options: { packed?: boolean } = {}): StructCodec<F> {
  const layout: { name: keyof F; codec: Codec<unknown>; offset: number }[] = [];
  const offsets = {} as Record<keyof F, number>;
  let offset = 0;
  let align = 1;
  for (const name of Object.keys(fields) as (keyof F)[]) {
    const codec = fields[name] as Codec<unknown>;
    const fieldAlign = options.packed ? 1 : codec.align;
    offset = Math.ceil(offset / fieldAlign) * fieldAlign;
    layout.push({ name, codec, offset });
    offsets[name] = offset;
    offset += codec.size;
    align = Math.max(align, fieldAlign);
  }
  const size = Math.ceil(offset / align) * align;
  return {
    size,
    align,
    offsets,
    encode(value, view, base) {
      // Zero the whole struct first so padding never carries stale bytes into the kernel.
      for (let i = 0; i < size; i++) view.setUint8(base + i, 0);
      for (const field of layout) field.codec.encode(value[field.name], view, base + field.offset);
    },
    decode(view, base) {
      const out = {} as Record<keyof F, unknown>;
      for (const field of layout) out[field.name] = field.codec.decode(view, base + field.offset);
      return out as StructValue<F>;
    },
  };
}

/** Encodes one value into a new byte array (convenient outside hot paths). */
export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const out = new Uint8Array(codec.size);
  codec.encode(value, new DataView(out.buffer), 0);
  return out;
}

export function decode<T>(codec: Codec<T>, data: Uint8Array, offset = 0): T {
  if (data.length - offset < codec.size) throw new InvalidArgumentError(`need ${codec.size} bytes to decode, got ${data.length - offset}`);
  return codec.decode(new DataView(data.buffer, data.byteOffset, data.length), offset);
}
