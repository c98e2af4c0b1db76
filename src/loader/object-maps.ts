/**
 * Creating an object's maps as libbpf does (bpf_object__create_maps, read for the facts): reuse a
 * compatible pinned map for LIBBPF_PIN_BY_NAME or refuse an incompatible one, drop BTF key/value types
 * for the map types the kernel won't take them on, retry without BTF when the kernel refuses it, write
 * the data sections' initial values, freeze .rodata and .kconfig, then pin what asks to be pinned.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TsbpfError } from '../errors.js';
import { BpfMap } from '../maps/map.js';
import type { MapSpec } from '../maps/map-spec.js';
import { MapType, mapTypeName } from '../maps/map-types.js';
import { MapPinning } from '../object/btf-maps.js';
import type { ObjectMapSpec } from '../object/object-maps.js';
import { createStructOpsMap } from './struct-ops-map.js';

/** A pinned map exists at the path a map asks for, and differs from its definition. */
export class MapPinMismatchError extends TsbpfError {}

/** Map types whose BTF key/value types libbpf leaves out (the kernel refuses or ignores them). */
const NO_BTF_TYPES: ReadonlySet<number> = new Set([
  MapType.PerfEventArray, MapType.CgroupArray, MapType.StackTrace, MapType.ArrayOfMaps, MapType.HashOfMaps,
  MapType.DevMap, MapType.DevMapHash, MapType.CpuMap, MapType.XskMap, MapType.SockMap, MapType.SockHash,
  MapType.Queue, MapType.Stack,
]);

export interface CreatedMap {
  spec: ObjectMapSpec;
  map: BpfMap;
  /** Reused from a pin rather than created. */
  reused: boolean;
  /** Where this load pinned it (to unpin if the load fails). */
  pinnedAt?: string;
}

function toMapSpec(spec: ObjectMapSpec, btfFd: number | undefined, withBtf: boolean): MapSpec {
  const btf = withBtf && btfFd !== undefined && !NO_BTF_TYPES.has(spec.type) && (spec.btfKeyTypeId !== 0 || spec.btfValueTypeId !== 0);
  return {
    type: spec.type as MapType,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    name: spec.name,
    ...(spec.numaNode ? { numaNode: spec.numaNode } : {}),
    ...(spec.mapExtra ? { mapExtra: spec.mapExtra } : {}),
    ...(btf ? { btfFd, btfKeyTypeId: spec.btfKeyTypeId, btfValueTypeId: spec.btfValueTypeId } : {}),
    ...(spec.inner ? { innerMap: toMapSpec(spec.inner, btfFd, withBtf) } : {}),
  };
}

function createOne(spec: ObjectMapSpec, btfFd: number | undefined): BpfMap {
  if (spec.structOps) return createStructOpsMap(spec, btfFd);
  try {
    return BpfMap.create(toMapSpec(spec, btfFd, true));
  } catch (error) {
    // libbpf retries without BTF types: an older kernel may not take them for this map type
    const hadBtf = btfFd !== undefined && !NO_BTF_TYPES.has(spec.type) && (spec.btfKeyTypeId !== 0 || spec.btfValueTypeId !== 0);
    if (!hadBtf) throw error;
    return BpfMap.create(toMapSpec(spec, btfFd, false));
  }
}

function reusePinned(spec: ObjectMapSpec, path: string): BpfMap {
  const map = BpfMap.fromPinned(path);
  const expected = { type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags };
  const actual = { type: map.type as number, keySize: map.keySize, valueSize: map.valueSize, maxEntries: map.maxEntries, flags: map.flags };
  const differences = (Object.keys(expected) as (keyof typeof expected)[]).filter((key) => expected[key] !== actual[key] && !(key === 'maxEntries' && spec.type === MapType.PerfEventArray && spec.maxEntries === 0));
  if (differences.length > 0) {
    map.close();
    const describe = (which: typeof expected) => differences.map((key) => `${key} ${key === 'type' ? mapTypeName(which[key] as MapType) : which[key]}`).join(', ');
    throw new MapPinMismatchError(`map '${spec.name}': the map pinned at ${path} has ${describe(actual)}, the object wants ${describe(expected)}`, `remove the stale pin (rm ${path}) or load with another pin root`);
  }
  return map;
}

/**
 * Creates (or reuses) every map of `specs` in order; on failure closes what it made and unpins what it
 * pinned before rethrowing. `replacements` are caller-supplied maps used instead of creating one.
 */
export function createObjectMaps(specs: readonly ObjectMapSpec[], options: { btfFd?: number; pinRoot: string; replacements?: ReadonlyMap<string, BpfMap> }): CreatedMap[] {
  const created: CreatedMap[] = [];
  try {
    for (const spec of specs) {
      const replacement = options.replacements?.get(spec.fullName);
      if (replacement) {
        created.push({ spec, map: replacement, reused: true });
        continue;
      }
      const pinPath = spec.pinning === MapPinning.ByName ? join(options.pinRoot, spec.fullName) : undefined;
      if (pinPath && existsSync(pinPath)) {
        created.push({ spec, map: reusePinned(spec, pinPath), reused: true });
        continue;
      }
      const map = createOne(spec, options.btfFd);
      const entry: CreatedMap = { spec, map, reused: false };
      created.push(entry);
      // the kernel zero-fills a new array, so .bss needs no write (libbpf skips it too)
      if (spec.data && !(spec.kind === 'data' && spec.section.startsWith('.bss'))) map.update(new Uint8Array(4), spec.data);
      if (spec.readOnly) map.freeze();
      if (pinPath) {
        map.pin(pinPath);
        entry.pinnedAt = pinPath;
      }
    }
    return created;
  } catch (error) {
    closeCreatedMaps(created, true, options.replacements);
    throw error;
  }
}

/** Closes maps this load created (not caller-supplied replacements), unpinning new pins when asked. */
export function closeCreatedMaps(created: readonly CreatedMap[], unpinNew: boolean, replacements?: ReadonlyMap<string, BpfMap>): void {
  for (const entry of created) {
    if (unpinNew && entry.pinnedAt) {
      try { entry.map.unpin(entry.pinnedAt); } catch { /* already gone */ }
    }
    if (replacements?.get(entry.spec.fullName) === entry.map) continue;
    entry.map.close();
  }
}
