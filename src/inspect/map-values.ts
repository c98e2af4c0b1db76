/**
 * Map keys and values as bpftool prints them: hex bytes (`fprint_hex`: a space between bytes, two after
 * every eighth, a line break after every sixteenth; JSON `"0x01"` strings) and BTF-formatted values the
 * way bpftool's btf_dumper writes them, quirks included: bitfields and 128-bit integers as hex, a char
 * array as a string only when it is printable and NUL-terminated, pointers
 * as `%p` in plain text, floats and other kinds it does not handle as `(unsupported-kind`.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, IntEncoding, type BtfType } from '../btf/types.js';
import type { JsonWriter } from './map-json-writer.js';

/** bpftool's fprint_hex with a space separator. */
export function hexText(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += i % 16 === 0 ? '\n' : i % 8 === 0 ? '  ' : ' ';
    out += hex2(bytes[i]!);
  }
  return out;
}

/** bpftool's print_hex_data_json: an array of `"0x.."` strings. */
export function writeHexJson(writer: JsonWriter, bytes: Uint8Array): void {
  writer.startArray();
  for (const byte of bytes) writer.value(`"0x${hex2(byte)}"`);
  writer.endArray();
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** A BTF kind btf_dumper cannot print: it writes a marker and stops the enclosing composite, as bpftool does. */
class UnprintableKind extends Error {}

/**
 * Writes the value of BTF type `typeId` found at `bytes[offset..]`, as btf_dumper does; `plainText`
 * selects bpftool's plain-text variants (pointers as %p, bitfields and chars unquoted). Returns false
 * when btf_dumper would have reported an error (the output is then as truncated as bpftool's).
 */
export function writeBtfValue(writer: JsonWriter, btf: Btf, typeId: number, bytes: Uint8Array, plainText: boolean, offset = 0): boolean {
  const dumper = new BtfDumper(writer, btf, bytes, plainText);
  try {
    dumper.type(typeId, 0, offset);
    return true;
  } catch (error) {
    if (error instanceof UnprintableKind) return false;
    throw error;
  }
}

class BtfDumper {
  readonly #writer: JsonWriter;
  readonly #btf: Btf;
  readonly #bytes: Uint8Array;
  readonly #plainText: boolean;

  constructor(writer: JsonWriter, btf: Btf, bytes: Uint8Array, plainText: boolean) {
    this.#writer = writer;
    this.#btf = btf;
    this.#bytes = bytes;
    this.#plainText = plainText;
  }

  /** Byte `at` of the value; bytes past the buffer read as zero (bpftool would read past its buffer). */
  #byte(at: number): number {
    return this.#bytes[at] ?? 0;
  }

  /** `size` bytes at `at` as an unsigned little-endian bigint. */
  #unsigned(at: number, size: number): bigint {
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.#byte(at + i));
    return value;
  }

  type(id: number, bitOffset: number, at: number): void {
    const t = this.#btf.type(id);
    switch (t.kind) {
      case BtfKind.Int: return this.#int(t, bitOffset, at);
      case BtfKind.Struct: case BtfKind.Union: return this.#struct(t, at);
      case BtfKind.Array: return this.#array(t, at);
      case BtfKind.Enum: return this.#enum(t, at);
      case BtfKind.Enum64: return this.#enum64(t, at);
      case BtfKind.Pointer: return this.#writer.value(this.#pointer(at));
      case BtfKind.Void: return this.#writer.value('(unknown)');
      case BtfKind.Fwd:
        this.#writer.value('(fwd-kind-invalid)');
        throw new UnprintableKind();
      case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict:
        return this.type(this.#resolve(id), bitOffset, at);
      case BtfKind.Var:
        this.#writer.startObject();
        this.#writer.name(t.name);
        try {
          this.type(t.type, bitOffset, at);
        } finally {
          this.#writer.endObject();
        }
        return;
      case BtfKind.Datasec:
        this.#writer.startObject();
        this.#writer.name(t.name);
        this.#writer.startArray();
        try {
          for (const variable of t.variables) this.type(variable.type, 0, at + variable.offset);
        } finally {
          this.#writer.endArray();
          this.#writer.endObject();
        }
        return;
      default:
        this.#writer.value('(unsupported-kind');
        throw new UnprintableKind();
    }
  }

  /** libbpf's btf__resolve_type: through typedefs, qualifiers, type tags and variables. */
  #resolve(id: number): number {
    for (let depth = 0; depth < 32; depth++) {
      const t = this.#btf.type(id);
      switch (t.kind) {
        case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
          id = t.target;
          break;
        case BtfKind.Var:
          id = t.type;
          break;
        default:
          return id;
      }
    }
    throw new UnprintableKind();
  }

  #int(t: Extract<BtfType, { kind: typeof BtfKind.Int }>, bitOffset: number, at: number): void {
    const bits = t.bits;
    if (bitOffset !== 0 || t.bitOffset !== 0 || bits % 8 !== 0) return this.#intBits(t, bitOffset, at);
    if (bits === 128) return this.#int128(this.#unsigned(at, 16));
    switch (t.encoding) {
      case 0:
      case IntEncoding.Signed: {
        if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) return this.#intBits(t, bitOffset, at);
        const raw = this.#unsigned(at, bits / 8);
        this.#writer.value(String(t.encoding === IntEncoding.Signed ? BigInt.asIntN(bits, raw) : raw));
        return;
      }
      case IntEncoding.Char: {
        const code = this.#byte(at);
        if (code >= 0x20 && code < 0x7f) this.#writer.value(`"${String.fromCharCode(code)}"`);
        else this.#writer.value(this.#plainText ? `0x${code.toString(16)}` : `"\\u00${hex2(code)}"`);
        return;
      }
      case IntEncoding.Bool:
        this.#writer.value(this.#byte(at) !== 0 ? 'true' : 'false');
        return;
      default:
        throw new UnprintableKind();
    }
  }

  /** An integer that is not whole bytes at a byte boundary: its bits, printed as hex. */
  #intBits(t: Extract<BtfType, { kind: typeof BtfKind.Int }>, bitOffset: number, at: number): void {
    const total = bitOffset + t.bitOffset;
    this.#bitfield(t.bits, total & 7, at + (total >> 3));
  }

  #bitfield(bits: number, bitOffset: number, at: number): void {
    const raw = this.#unsigned(at, Math.ceil((bitOffset + bits) / 8));
    this.#int128((raw >> BigInt(bitOffset)) & ((1n << BigInt(bits)) - 1n));
  }

  #int128(value: bigint): void {
    const upper = value >> 64n;
    const lower = value & 0xffff_ffff_ffff_ffffn;
    const digits = upper === 0n ? `0x${lower.toString(16)}` : `0x${upper.toString(16)}${lower.toString(16).padStart(16, '0')}`;
    this.#writer.value(this.#plainText ? digits : `"${digits}"`);
  }

  #pointer(at: number): string {
    const value = this.#unsigned(at, this.#btf.pointerSize());
    if (!this.#plainText) return String(value);
    return value === 0n ? '(nil)' : `0x${value.toString(16)}`;
  }

  #enum(t: Extract<BtfType, { kind: typeof BtfKind.Enum }>, at: number): void {
    if (t.size !== 1 && t.size !== 2 && t.size !== 4 && t.size !== 8) throw new UnprintableKind();
    const value = BigInt.asIntN(t.size * 8, this.#unsigned(at, t.size));
    // btf_enum.val is an s32 whatever the enum's signedness
    const found = t.values.find((v) => BigInt(v.value | 0) === value);
    if (found) this.#writer.string(found.name);
    else this.#writer.value(String(value));
  }

  #enum64(t: Extract<BtfType, { kind: typeof BtfKind.Enum64 }>, at: number): void {
    const value = this.#unsigned(at, 8);
    const found = t.values.find((v) => BigInt.asUintN(64, v.value) === value);
    if (found) this.#writer.string(found.name);
    else this.#writer.value(String(BigInt.asIntN(64, value)));
  }

  #struct(t: Extract<BtfType, { kind: typeof BtfKind.Struct | typeof BtfKind.Union }>, at: number): void {
    this.#writer.startObject();
    try {
      for (const member of t.members) {
        this.#writer.name(member.name);
        const memberAt = at + (member.bitOffset >> 3);
        if (member.bitfieldSize > 0) this.#bitfield(member.bitfieldSize, member.bitOffset & 7, memberAt);
        else this.type(member.type, member.bitOffset & 7, memberAt);
      }
    } finally {
      this.#writer.endObject();
    }
  }

  #array(t: Extract<BtfType, { kind: typeof BtfKind.Array }>, at: number): void {
    const text = this.#string(t, at);
    if (text !== undefined) {
      this.#writer.string(text);
      return;
    }
    const size = this.#btf.sizeOf(t.elementType);
    this.#writer.startArray();
    try {
      for (let i = 0; i < t.count; i++) this.type(t.elementType, 0, at + i * size);
    } finally {
      this.#writer.endArray();
    }
  }

  /** bpftool's is_str_array: a char array holding printable ASCII up to a NUL within its bounds. */
  #string(t: Extract<BtfType, { kind: typeof BtfKind.Array }>, at: number): string | undefined {
    if (t.count === 0) return undefined;
    let element = this.#btf.type(t.elementType);
    // qualifiers are looked through, typedefs are not (a typedef to char is not a string to bpftool)
    while (element.kind === BtfKind.Volatile || element.kind === BtfKind.Const || element.kind === BtfKind.Restrict || element.kind === BtfKind.TypeTag) {
      element = this.#btf.type(element.target);
    }
    if (element.kind !== BtfKind.Int || element.size !== 1) return undefined;
    if (element.encoding !== IntEncoding.Char && element.name !== 'char') return undefined;
    let text = '';
    for (let i = 0; i < t.count; i++) {
      const code = this.#byte(at + i);
      if (code === 0) return text;
      if (code <= 0x1f || code >= 0x7f) return undefined;
      text += String.fromCharCode(code);
    }
    return undefined;
  }
}
