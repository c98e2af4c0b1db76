/**
 * Program metadata as bpftool shows it: the `bpf_metadata_*` variables of the program's `.rodata` map
 * (libbpf binds .rodata to every program of an object so these stay visible). bpftool takes the first of
 * the program's maps that is an ARRAY with a 4-byte key, one entry, BTF for its value and ".rodata" in
 * its name, reads entry 0, and prints each variable of the value's DATASEC whose name has the prefix.
 */
import { Btf } from '../btf/btf.js';
import { BtfKind, IntEncoding } from '../btf/types.js';
import { BtfObject } from '../info/btf-object.js';
import { mapInfoById, type MapInfo } from '../info/map-info.js';
import { BpfMap } from '../maps/map.js';
import { abi } from '../sys/index.js';

export const METADATA_PREFIX = 'bpf_metadata_';
const PREFIX = METADATA_PREFIX;

/** A metadata value as bpftool's BTF dumper writes it: numbers (bigint for 64 bits), strings, arrays, objects. */
export type MetadataValue = number | bigint | boolean | string | MetadataValue[] | { [member: string]: MetadataValue };

export interface MetadataEntry {
  /** The variable name without `bpf_metadata_`. */
  name: string;
  value: MetadataValue;
}

/** Where map info and BTF come from: a listing shares one cache between its programs. */
export interface MetadataSources {
  mapInfo(id: number): MapInfo;
  btf(id: number): Btf;
  /** Entries already read, by .rodata map id. */
  metadata?: Map<number, MetadataEntry[]>;
  /**
   * False when BTF object `id` cannot hold metadata (no string has the prefix): a raw-bytes check that
   * spares parsing the BTF and looking the map up for the many .rodata maps without metadata.
   */
  mayHoldMetadata?(id: number): boolean;
}

const uncached: MetadataSources = {
  mapInfo: mapInfoById,
  btf(id) {
    using object = BtfObject.fromId(id);
    return Btf.parse(object.data());
  },
};

function metadataMap(mapIds: readonly number[], sources: MetadataSources): { id: number; btfId: number; valueTypeId: number } | undefined {
  for (const id of mapIds) {
    let info;
    try {
      info = sources.mapInfo(id);
    } catch {
      return undefined; // bpftool stops at a map it cannot open
    }
    if (info.type === abi.MapTypeId.ARRAY && info.keySize === 4 && info.maxEntries === 1 && info.btfValueTypeId !== 0 && info.name.includes('.rodata')) {
      return { id, btfId: info.btfId, valueTypeId: info.btfValueTypeId };
    }
  }
  return undefined;
}

/** The program's metadata, empty when it has none or any step fails (bpftool then prints nothing). */
export function readProgramMetadata(mapIds: readonly number[], sources: MetadataSources = uncached): MetadataEntry[] {
  if (mapIds.length === 0) return [];
  try {
    const found = metadataMap(mapIds, sources);
    if (!found) return [];
    const known = sources.metadata?.get(found.id);
    if (known) return known;
    if (sources.mayHoldMetadata?.(found.btfId) === false) return [];
    let value: Uint8Array | undefined;
    {
      using map = BpfMap.fromId(found.id);
      value = map.lookup(new Uint8Array(4));
    }
    if (!value) return [];
    const btf = sources.btf(found.btfId);
    const datasec = btf.type(found.valueTypeId);
    if (datasec.kind !== BtfKind.Datasec) return [];
    const entries: MetadataEntry[] = [];
    for (const variable of datasec.variables) {
      const v = btf.type(variable.type);
      if (!v.name.startsWith(PREFIX) || v.kind !== BtfKind.Var) continue;
      entries.push({ name: v.name.slice(PREFIX.length), value: decode(btf, v.type, value, variable.offset) });
    }
    sources.metadata?.set(found.id, entries);
    return entries;
  } catch {
    return [];
  }
}

function decode(btf: Btf, typeId: number, bytes: Uint8Array, offset: number): MetadataValue {
  const t = btf.type(typeId);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (t.kind) {
    case BtfKind.Typedef: case BtfKind.Const: case BtfKind.Volatile: case BtfKind.Restrict: case BtfKind.TypeTag:
      return decode(btf, t.target, bytes, offset);
    case BtfKind.Int: {
      const signed = (t.encoding & IntEncoding.Signed) !== 0;
      if (t.encoding & IntEncoding.Bool) return bytes[offset] !== 0;
      switch (t.size) {
        case 1: return signed ? view.getInt8(offset) : view.getUint8(offset);
        case 2: return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
        case 4: return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
        case 8: return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
        default: return `0x${[...bytes.subarray(offset, offset + t.size)].reverse().map((b) => b.toString(16).padStart(2, '0')).join('')}`;
      }
    }
    case BtfKind.Enum: {
      const raw = t.size === 4 ? view.getInt32(offset, true) : t.size === 2 ? view.getInt16(offset, true) : view.getInt8(offset);
      const match = t.values.find((entry) => (entry.value | 0) === raw);
      return match ? match.name : raw;
    }
    case BtfKind.Array: {
      const element = btf.type(btf.resolve(t.elementType));
      const size = btf.sizeOf(t.elementType);
      if (element.kind === BtfKind.Int && element.size === 1 && (element.encoding & IntEncoding.Char || element.name.includes('char'))) {
        const raw = bytes.subarray(offset, offset + t.count);
        const end = raw.indexOf(0);
        return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
      }
      return Array.from({ length: t.count }, (_, i) => decode(btf, t.elementType, bytes, offset + i * size));
    }
    case BtfKind.Struct: case BtfKind.Union: {
      const out: { [member: string]: MetadataValue } = {};
      for (const member of t.members) out[member.name] = decode(btf, member.type, bytes, offset + Math.floor(member.bitOffset / 8));
      return out;
    }
    default:
      return `0x${[...bytes.subarray(offset, offset + Math.max(btf.sizeOf(typeId), 0))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}
