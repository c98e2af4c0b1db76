/**
 * Encodes BTF to a blob: header (24 bytes), type section, string section, in the source's byte order.
 * Split BTF writes only its own types and strings, as the kernel expects a module's BTF. Names are
 * looked up in the string table, which keeps every original offset, so write(parse(x)) is x for any
 * canonical blob (header of 24 bytes, types then strings, deduplicated strings — vmlinux, modules,
 * clang's output).
 */
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BTF_MAGIC, BTF_VERSION, HEADER_SIZE, TYPE_RECORD_SIZE, trailingSize } from './layout.js';
import { MutableBtf } from './mutable.js';
import { BtfKind, type BtfType } from './types.js';

function vlenOf(t: BtfType): number {
  switch (t.kind) {
    case BtfKind.Struct: case BtfKind.Union: return t.members.length;
    case BtfKind.Enum: case BtfKind.Enum64: return t.values.length;
    case BtfKind.FuncProto: return t.parameters.length;
    case BtfKind.Datasec: return t.variables.length;
    case BtfKind.Func: return t.linkage;
    default: return 0;
  }
}

function kindFlagOf(t: BtfType): boolean {
  switch (t.kind) {
    case BtfKind.Struct: case BtfKind.Union: return t.kindFlag;
    case BtfKind.Enum: case BtfKind.Enum64: return t.signed;
    case BtfKind.Fwd: return t.union;
    case BtfKind.DeclTag: return t.attribute;
    case BtfKind.TypeTag: return t.attribute === true;
    default: return false;
  }
}

export interface WriteOptions {
  /** Byte order of the blob; the source's by default. */
  littleEndian?: boolean;
}

export function writeBtf(source: Btf | MutableBtf, options: WriteOptions = {}): Uint8Array {
  const btf = source instanceof MutableBtf ? source : MutableBtf.from(source);
  const strings = btf.strings;
  const types = [...btf.types()];
  // names first: adding a string can't change an existing offset, but it sizes the string section
  let typeLength = 0;
  for (const t of types) {
    const vlen = vlenOf(t);
    if (vlen > 0xffff) throw new BtfError(0, `type ${t.id} has ${vlen} entries; BTF allows 65535`);
    typeLength += TYPE_RECORD_SIZE + trailingSize(t.kind, t.kind === BtfKind.Func ? 0 : vlen);
  }
  const nameOf = (text: string): number => strings.add(text);
  const encoded = new Uint8Array(HEADER_SIZE + typeLength);
  const view = new DataView(encoded.buffer);
  const little = options.littleEndian ?? btf.littleEndian;
  let at = HEADER_SIZE;
  const u32 = (value: number): void => {
    view.setUint32(at, value >>> 0, little);
    at += 4;
  };
  for (const t of types) {
    const vlen = vlenOf(t);
    u32(nameOf(t.name));
    u32(((kindFlagOf(t) ? 1 : 0) << 31) | (t.kind << 24) | vlen);
    switch (t.kind) {
      case BtfKind.Int:
        u32(t.size);
        u32((t.encoding << 24) | (t.bitOffset << 16) | t.bits);
        break;
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        u32(t.target);
        break;
      case BtfKind.Array:
        u32(0);
        u32(t.elementType); u32(t.indexType); u32(t.count);
        break;
      case BtfKind.Struct: case BtfKind.Union:
        u32(t.size);
        for (const m of t.members) {
          u32(nameOf(m.name)); u32(m.type);
          u32(t.kindFlag ? (m.bitfieldSize << 24) | m.bitOffset : m.bitOffset);
        }
        break;
      case BtfKind.Enum:
        u32(t.size);
        for (const v of t.values) { u32(nameOf(v.name)); u32(v.value); }
        break;
      case BtfKind.Enum64:
        u32(t.size);
        for (const v of t.values) {
          const raw = BigInt.asUintN(64, v.value);
          u32(nameOf(v.name)); u32(Number(raw & 0xffffffffn)); u32(Number(raw >> 32n));
        }
        break;
      case BtfKind.Fwd:
        u32(0);
        break;
      case BtfKind.Func:
        u32(t.proto);
        break;
      case BtfKind.FuncProto:
        u32(t.returnType);
        for (const p of t.parameters) { u32(nameOf(p.name)); u32(p.type); }
        break;
      case BtfKind.Var:
        u32(t.type); u32(t.linkage);
        break;
      case BtfKind.Datasec:
        u32(t.size);
        for (const v of t.variables) { u32(v.type); u32(v.offset); u32(v.size); }
        break;
      case BtfKind.Float:
        u32(t.size);
        break;
      case BtfKind.DeclTag:
        u32(t.target); u32(t.componentIndex);
        break;
      default:
        throw new BtfError(0, `type ${t.id} has kind ${t.kind}, which the writer can't encode`);
    }
  }
  const stringBytes = strings.bytes();
  const out = new Uint8Array(HEADER_SIZE + typeLength + stringBytes.length);
  out.set(encoded);
  out.set(stringBytes, HEADER_SIZE + typeLength);
  const header = new DataView(out.buffer);
  header.setUint16(0, BTF_MAGIC, little);
  out[2] = BTF_VERSION;
  out[3] = btf.flags;
  header.setUint32(4, HEADER_SIZE, little);
  header.setUint32(8, 0, little);
  header.setUint32(12, typeLength, little);
  header.setUint32(16, typeLength, little);
  header.setUint32(20, stringBytes.length, little);
  return out;
}
