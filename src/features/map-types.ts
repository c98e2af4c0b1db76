/**
 * haveMapType: does the kernel create a one-entry map of this type? Each type gets the attributes it
 * must have (libbpf's probe choices, which are the kernel's rules): 8-byte stack traces, LPM keys
 * with a prefix and NO_PREALLOC, cgroup storage keyed by struct bpf_cgroup_storage_key with no
 * max_entries, keyless queues/stacks/bloom filters, page-sized ring buffers, an inner map for
 * map-in-map, BTF for the local-storage maps, and for struct_ops the ENOTSUPP a kernel that knows the
 * type gives a bogus vmlinux value type.
 */
import { abi, bpf, closeRawFd, NativeMemory } from '../sys/index.js';
import { BpfError, Errno, errnoName } from '../errors.js';
import { mapTypeName, type MapType } from '../maps/map-types.js';
import { probeCounters } from './probe-load.js';
import { ProbeCache, requireFeature, SUPPORTED, unsupported, type FeatureResult } from './result.js';
import { localStorageBtf, STORAGE_KEY_TYPE_ID, STORAGE_VALUE_SIZE, STORAGE_VALUE_TYPE_ID } from './local-storage-btf.js';

const { MapTypeId: M, MapFlags } = abi;

/** sizeof(struct bpf_cgroup_storage_key): __u64 cgroup_inode_id, __u32 attach_type, padded to 8. */
const CGROUP_STORAGE_KEY_SIZE = 16;
/** Ring buffers are sized in pages; 4 KiB pages first, 64 KiB (arm64, ppc64) if the kernel refuses. */
const PAGE_SIZES = [4096, 65536];

export interface MapProbeAttributes {
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  needsInnerMap: boolean;
  needsStorageBtf: boolean;
  btfVmlinuxValueTypeId: number;
  /** The errno that means "supported" for probes designed to fail (struct_ops), else 0. */
  expectedErrno: number;
}

/** The attributes a probe of `type` creates its map with. */
export function mapProbeAttributes(type: number): MapProbeAttributes {
  const base: MapProbeAttributes = {
    keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, needsInnerMap: false, needsStorageBtf: false,
    btfVmlinuxValueTypeId: 0, expectedErrno: 0,
  };
  switch (type) {
    case M.STACK_TRACE: return { ...base, valueSize: 8 };
    case M.LPM_TRIE: return { ...base, keySize: 8, valueSize: 8, flags: MapFlags.NO_PREALLOC };
    case M.CGROUP_STORAGE: case M.PERCPU_CGROUP_STORAGE:
      return { ...base, keySize: CGROUP_STORAGE_KEY_SIZE, valueSize: 8, maxEntries: 0 };
    case M.QUEUE: case M.STACK: case M.BLOOM_FILTER: return { ...base, keySize: 0 };
    case M.SK_STORAGE: case M.INODE_STORAGE: case M.TASK_STORAGE: case M.CGRP_STORAGE:
      return { ...base, valueSize: STORAGE_VALUE_SIZE, maxEntries: 0, flags: MapFlags.NO_PREALLOC, needsStorageBtf: true };
    case M.RINGBUF: case M.USER_RINGBUF: return { ...base, keySize: 0, valueSize: 0, maxEntries: PAGE_SIZES[0]! };
    case M.STRUCT_OPS: return { ...base, btfVmlinuxValueTypeId: 1, expectedErrno: Errno.ENOTSUPP };
    case M.ARRAY_OF_MAPS: case M.HASH_OF_MAPS: return { ...base, needsInnerMap: true };
    case M.ARENA: return { ...base, keySize: 0, valueSize: 0, maxEntries: 1, flags: MapFlags.MMAPABLE };
    default: return base;
  }
}

/** Runs `create`, returning its fd or -errno, whatever it throws as a BpfError. */
function attempt(create: () => number): number {
  try {
    return create();
  } catch (error) {
    if (error instanceof BpfError) return -error.errno;
    throw error;
  }
}

/** Loads the local-storage BTF into the kernel; returns its fd or -errno. The caller closes it. */
function loadStorageBtf(): number {
  const blob = localStorageBtf();
  const memory = new NativeMemory(blob.length);
  try {
    memory.bytes.set(blob);
    probeCounters.btfLoads++;
    return bpf.btfLoad(memory, blob.length, null, 0).result;
  } finally {
    memory.free();
  }
}

function createOnce(type: number, a: MapProbeAttributes, maxEntries: number): number {
  let innerFd = -1;
  let btfFd = -1;
  try {
    if (a.needsInnerMap) {
      probeCounters.mapCreates++;
      innerFd = attempt(() => bpf.mapCreate({ type: M.HASH, keySize: 4, valueSize: 4, maxEntries: 1 }));
      if (innerFd < 0) return innerFd;
    }
    if (a.needsStorageBtf) {
      btfFd = loadStorageBtf();
      if (btfFd < 0) return btfFd;
    }
    probeCounters.mapCreates++;
    return attempt(() => bpf.mapCreate({
      type, keySize: a.keySize, valueSize: a.valueSize, maxEntries, flags: a.flags,
      innerMapFd: innerFd >= 0 ? innerFd : 0,
      btfFd: Math.max(btfFd, 0), btfKeyTypeId: a.needsStorageBtf ? STORAGE_KEY_TYPE_ID : 0, btfValueTypeId: a.needsStorageBtf ? STORAGE_VALUE_TYPE_ID : 0,
      btfVmlinuxValueTypeId: a.btfVmlinuxValueTypeId,
    }));
  } finally {
    if (innerFd >= 0) closeRawFd(innerFd);
    if (btfFd >= 0) closeRawFd(btfFd);
  }
}

function probeMapType(type: number): FeatureResult {
  const a = mapProbeAttributes(type);
  const ringbuf = type === M.RINGBUF || type === M.USER_RINGBUF;
  let result = createOnce(type, a, a.maxEntries);
  if (ringbuf && result === -Errno.EINVAL) result = createOnce(type, a, PAGE_SIZES[1]!);
  if (result >= 0) closeRawFd(result);
  const name = mapTypeName(type);
  if (a.expectedErrno) {
    if (result === -a.expectedErrno) return SUPPORTED;
    return unsupported(`${name}: the probe expected ${errnoName(a.expectedErrno)} from a kernel with this type and got ${result >= 0 ? 'a map' : errnoName(-result)}`);
  }
  if (result >= 0) return SUPPORTED;
  if (result === -Errno.EINVAL) return unsupported(`${name} maps refused with EINVAL: the kernel doesn't know the type or rejects its attributes`);
  return unsupported(`${name} maps refused: ${errnoName(-result)}`);
}

const cache = new ProbeCache<number, FeatureResult>(probeMapType);

/** Whether the kernel creates maps of `type`. */
export function haveMapType(type: MapType): FeatureResult {
  return cache.get(type);
}

/** Throws NotSupportedError when the kernel lacks map type `type`. */
export function requireMapType(type: MapType): void {
  requireFeature(`${mapTypeName(type)} maps`, haveMapType(type));
}
