/**
 * `bpftool btf dump file F format raw`, byte for byte, and its `-j` JSON (the same keys, in the same
 * order). Split BTF prints only its own ids, as bpftool does with -B.
 */
import { Btf } from './btf.js';
import { BTF_KIND_NAMES, BtfKind, type BtfSource, type BtfType } from './types.js';

export interface RawDumpOptions {
  /** Only these ids, in this order (bpftool's `root_type_ids`); default: every id this blob defines. */
  ids?: readonly number[];
}

/** One type as bpftool's JSON writer emits it. */
export type RawTypeJson = Record<string, string | number | bigint | readonly Record<string, string | number | bigint>[]>;

function nameOf(name: string): string {
  // bpftool prints (anon) for name offset 0; the model keeps '' for it
  return name === '' ? '(anon)' : name;
}

/**
 * A type's name as bpftool prints it: '(anon)' only for name offset 0. A non-zero offset at an empty
 * string (no compiler writes one, mutated BTF has them) prints as ''; only a parsed Btf can tell.
 */
function typeName(btf: BtfSource, t: BtfType): string {
  return t.name === '' && btf instanceof Btf && t.id !== 0 && btf.nameOffsetOf(t.id) !== 0 ? '' : nameOf(t.name);
}

/** typeName for member, enumerator or parameter `index` of type `id`. */
function entryName(btf: BtfSource, id: number, index: number, name: string): string {
  return name === '' && btf instanceof Btf && btf.entryNameOffsetOf(id, index) !== 0 ? '' : nameOf(name);
}

function intEncoding(encoding: number): string {
  switch (encoding) {
    case 0: return '(none)';
    case 1: return 'SIGNED';
    case 2: return 'CHAR';
    case 4: return 'BOOL';
    default: return 'UNKN';
  }
}

function linkageName(linkage: number): string {
  return ['static', 'global', 'extern'][linkage] ?? '(unknown)';
}

function idsOf(btf: BtfSource, options: RawDumpOptions): Iterable<number> {
  if (options.ids) return options.ids;
  return (function* ids() {
    for (let id = btf.firstTypeId; id < btf.typeCount; id++) yield id;
  })();
}

/** The text bpftool prints for `btf dump ... format raw`, ending with a newline per type. */
export function formatBtfRaw(btf: BtfSource, options: RawDumpOptions = {}): string {
  const lines: string[] = [];
  for (const id of idsOf(btf, options)) lines.push(formatType(btf, btf.type(id)));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** One type's line (and its indented member lines), without the final newline. */
export function formatType(btf: BtfSource, t: BtfType): string {
  let out = `[${t.id}] ${BTF_KIND_NAMES[t.kind]} '${typeName(btf, t)}'`;
  switch (t.kind) {
    case BtfKind.Int:
      out += ` size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
      break;
    case BtfKind.Pointer: case BtfKind.Const: case BtfKind.Volatile: case BtfKind.Restrict: case BtfKind.Typedef: case BtfKind.TypeTag:
      out += ` type_id=${t.target}`;
      break;
    case BtfKind.Array:
      out += ` type_id=${t.elementType} index_type_id=${t.indexType} nr_elems=${t.count}`;
      break;
    case BtfKind.Struct: case BtfKind.Union:
      out += ` size=${t.size} vlen=${t.members.length}`;
      t.members.forEach((m, i) => {
        out += `\n\t'${entryName(btf, t.id, i, m.name)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) out += ` bitfield_size=${m.bitfieldSize}`;
      });
      break;
    case BtfKind.Enum:
      out += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      t.values.forEach((v, i) => { out += `\n\t'${entryName(btf, t.id, i, v.name)}' val=${v.value}`; });
      break;
    case BtfKind.Enum64:
      out += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      t.values.forEach((v, i) => { out += `\n\t'${entryName(btf, t.id, i, v.name)}' val=${v.value}${t.signed ? 'LL' : 'ULL'}`; });
      break;
    case BtfKind.Fwd:
      out += ` fwd_kind=${t.union ? 'union' : 'struct'}`;
      break;
    case BtfKind.Func:
      out += ` type_id=${t.proto} linkage=${linkageName(t.linkage)}`;
      break;
    case BtfKind.FuncProto:
      out += ` ret_type_id=${t.returnType} vlen=${t.parameters.length}`;
      t.parameters.forEach((p, i) => { out += `\n\t'${entryName(btf, t.id, i, p.name)}' type_id=${p.type}`; });
      break;
    case BtfKind.Var:
      // the comma is bpftool's
      out += ` type_id=${t.type}, linkage=${linkageName(t.linkage)}`;
      break;
    case BtfKind.Datasec:
      out += ` size=${t.size} vlen=${t.variables.length}`;
      for (const v of t.variables) {
        out += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        if (v.type < btf.typeCount) {
          const vt = btf.type(v.type);
          out += ` (${BTF_KIND_NAMES[vt.kind]} '${typeName(btf, vt)}')`;
        }
      }
      break;
    case BtfKind.Float:
      out += ` size=${t.size}`;
      break;
    case BtfKind.DeclTag:
      out += ` type_id=${t.target} component_idx=${t.componentIndex}`;
      break;
    default:
      break;
  }
  return out;
}

/** `bpftool -j btf dump ... format raw`: `{ "types": [...] }`, keys in bpftool's order. */
export function btfRawJson(btf: BtfSource, options: RawDumpOptions = {}): { types: RawTypeJson[] } {
  const types: RawTypeJson[] = [];
  for (const id of idsOf(btf, options)) types.push(typeJson(btf.type(id), btf));
  return { types };
}

export function typeJson(t: BtfType, btf?: BtfSource): RawTypeJson {
  const out: RawTypeJson = { id: t.id, kind: BTF_KIND_NAMES[t.kind]!, name: btf ? typeName(btf, t) : nameOf(t.name) };
  const named = (index: number, name: string): string => (btf ? entryName(btf, t.id, index, name) : nameOf(name));
  switch (t.kind) {
    case BtfKind.Int:
      Object.assign(out, { size: t.size, bits_offset: t.bitOffset, nr_bits: t.bits, encoding: intEncoding(t.encoding) });
      break;
    case BtfKind.Pointer: case BtfKind.Const: case BtfKind.Volatile: case BtfKind.Restrict: case BtfKind.Typedef: case BtfKind.TypeTag:
      out.type_id = t.target;
      break;
    case BtfKind.Array:
      Object.assign(out, { type_id: t.elementType, index_type_id: t.indexType, nr_elems: t.count });
      break;
    case BtfKind.Struct: case BtfKind.Union:
      Object.assign(out, {
        size: t.size, vlen: t.members.length,
        members: t.members.map((m, i) => ({
          name: named(i, m.name), type_id: m.type, bits_offset: m.bitOffset, ...(m.bitfieldSize ? { bitfield_size: m.bitfieldSize } : {}),
        })),
      });
      break;
    case BtfKind.Enum:
      Object.assign(out, {
        encoding: t.signed ? 'SIGNED' : 'UNSIGNED', size: t.size, vlen: t.values.length,
        values: t.values.map((v, i) => ({ name: named(i, v.name), val: t.signed ? v.value : unsignedEnumJson(v.value) })),
      });
      break;
    case BtfKind.Enum64:
      Object.assign(out, {
        encoding: t.signed ? 'SIGNED' : 'UNSIGNED', size: t.size, vlen: t.values.length,
        values: t.values.map((v, i) => ({ name: named(i, v.name), val: v.value })),
      });
      break;
    case BtfKind.Fwd:
      out.fwd_kind = t.union ? 'union' : 'struct';
      break;
    case BtfKind.Func:
      Object.assign(out, { type_id: t.proto, linkage: linkageName(t.linkage) });
      break;
    case BtfKind.FuncProto:
      Object.assign(out, { ret_type_id: t.returnType, vlen: t.parameters.length, params: t.parameters.map((p, i) => ({ name: named(i, p.name), type_id: p.type })) });
      break;
    case BtfKind.Var:
      Object.assign(out, { type_id: t.type, linkage: linkageName(t.linkage) });
      break;
    case BtfKind.Datasec:
      Object.assign(out, { size: t.size, vlen: t.variables.length, vars: t.variables.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size })) });
      break;
    case BtfKind.Float:
      out.size = t.size;
      break;
    case BtfKind.DeclTag:
      Object.assign(out, { type_id: t.target, component_idx: t.componentIndex });
      break;
    default:
      break;
  }
  return out;
}

/**
 * bpftool (7.1) passes struct btf_enum's `__s32 val` to its u64 JSON writer, so an unsigned value at or
 * above 2^31 comes out sign-extended to 64 bits (4026531839 prints as 18446744073441116159); the text
 * format prints it right. JSON keeps bpftool's figure so scripts see the same numbers.
 */
function unsignedEnumJson(value: number): number | bigint {
  return value >= 0x80000000 ? (1n << 64n) - BigInt(0x100000000 - value) : value;
}
