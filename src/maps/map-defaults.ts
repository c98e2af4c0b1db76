/**
 * A working spec for each map type: the smallest attributes the kernel accepts for it. Used by tests
 * and the feature probe. Pure: no kernel access (perf_event_array's 0 entries becomes the possible-CPU
 * count at create time; storage maps get their BTF at create time).
 */
import { InvalidArgumentError } from '../errors.js';
import { MapFlags } from '../sys/abi.js';
import type { MapSpec } from './map-spec.js';
import { MapType, mapTypeName, ALL_MAP_TYPES } from './map-types.js';

/** sizeof(struct bpf_cgroup_storage_key): u64 cgroup inode id, u32 attach type, padded to 16. */
export const CGROUP_STORAGE_KEY_SIZE = 16;
/** Ring buffers: a power of two and a multiple of every page size Linux uses (4K, 16K, 64K). */
const RING_BUFFER_BYTES = 64 * 1024;
/** PERF_MAX_STACK_DEPTH frames of 8 bytes each. */
const STACK_TRACE_VALUE_SIZE = 127 * 8;

export function defaultSpecFor(type: MapType): MapSpec {
  const spec = (keySize: number, valueSize: number, maxEntries: number, extra: Partial<MapSpec> = {}): MapSpec => (
    { type, keySize, valueSize, maxEntries, ...extra }
  );
  switch (type) {
    case MapType.Hash: case MapType.Array: case MapType.PerCpuHash: case MapType.PerCpuArray:
    case MapType.LruHash: case MapType.LruPerCpuHash:
      return spec(4, 8, 16);
    case MapType.ProgArray: case MapType.CgroupArray: case MapType.DevMap: case MapType.DevMapHash:
    case MapType.SockMap: case MapType.SockHash: case MapType.CpuMap: case MapType.XskMap:
    case MapType.ReuseportSockarray:
      return spec(4, 4, 4);
    case MapType.PerfEventArray:
      return spec(4, 4, 0);
    case MapType.StackTrace:
      return spec(4, STACK_TRACE_VALUE_SIZE, 16);
    case MapType.LpmTrie:
      // struct bpf_lpm_trie_key_u8 with an IPv4 address: u32 prefix length + 4 bytes.
      return spec(8, 8, 16, { flags: MapFlags.NO_PREALLOC });
    case MapType.ArrayOfMaps: case MapType.HashOfMaps:
      return spec(4, 4, 4, { innerMap: { type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1 } });
    case MapType.CgroupStorage: case MapType.PerCpuCgroupStorage:
      return spec(CGROUP_STORAGE_KEY_SIZE, 8, 0);
    case MapType.Queue: case MapType.Stack:
      return spec(0, 8, 16);
    case MapType.BloomFilter:
      return spec(0, 8, 16, { mapExtra: 3n });
    case MapType.SkStorage: case MapType.InodeStorage: case MapType.TaskStorage: case MapType.CgrpStorage:
      return spec(4, 8, 0, { flags: MapFlags.NO_PREALLOC });
    case MapType.RingBuf: case MapType.UserRingBuf:
      return spec(0, 0, RING_BUFFER_BYTES);
    case MapType.StructOps:
      // Only meaningful with a kernel struct's BTF value type, which a program loader supplies.
      return spec(4, 0, 1);
    case MapType.Arena:
      return spec(0, 0, 1, { flags: MapFlags.MMAPABLE });
    default:
      if (!ALL_MAP_TYPES.includes(type)) throw new InvalidArgumentError(`unknown map type ${String(type)}`);
      throw new InvalidArgumentError(`no default spec for ${mapTypeName(type)}`);
  }
}
