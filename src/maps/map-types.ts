/**
 * Map types: the kernel's `enum bpf_map_type` with TypeScript names, and the names bpftool and libbpf
 * print for them (`hash`, `percpu_array`, ...).
 */
import { MapTypeId } from '../sys/abi.js';

export const MapType = {
  Hash: MapTypeId.HASH,
  Array: MapTypeId.ARRAY,
  ProgArray: MapTypeId.PROG_ARRAY,
  PerfEventArray: MapTypeId.PERF_EVENT_ARRAY,
  PerCpuHash: MapTypeId.PERCPU_HASH,
  PerCpuArray: MapTypeId.PERCPU_ARRAY,
  StackTrace: MapTypeId.STACK_TRACE,
  CgroupArray: MapTypeId.CGROUP_ARRAY,
  LruHash: MapTypeId.LRU_HASH,
  LruPerCpuHash: MapTypeId.LRU_PERCPU_HASH,
  LpmTrie: MapTypeId.LPM_TRIE,
  ArrayOfMaps: MapTypeId.ARRAY_OF_MAPS,
  HashOfMaps: MapTypeId.HASH_OF_MAPS,
  DevMap: MapTypeId.DEVMAP,
  SockMap: MapTypeId.SOCKMAP,
  CpuMap: MapTypeId.CPUMAP,
  XskMap: MapTypeId.XSKMAP,
  SockHash: MapTypeId.SOCKHASH,
  CgroupStorage: MapTypeId.CGROUP_STORAGE,
  ReuseportSockarray: MapTypeId.REUSEPORT_SOCKARRAY,
  PerCpuCgroupStorage: MapTypeId.PERCPU_CGROUP_STORAGE,
  Queue: MapTypeId.QUEUE,
  Stack: MapTypeId.STACK,
  SkStorage: MapTypeId.SK_STORAGE,
  DevMapHash: MapTypeId.DEVMAP_HASH,
  StructOps: MapTypeId.STRUCT_OPS,
  RingBuf: MapTypeId.RINGBUF,
  InodeStorage: MapTypeId.INODE_STORAGE,
  TaskStorage: MapTypeId.TASK_STORAGE,
  BloomFilter: MapTypeId.BLOOM_FILTER,
  UserRingBuf: MapTypeId.USER_RINGBUF,
  CgrpStorage: MapTypeId.CGRP_STORAGE,
  Arena: MapTypeId.ARENA,
} as const;
export type MapType = (typeof MapType)[keyof typeof MapType];

/** libbpf's name of each map type, as `bpftool map list` and `feature probe` print it. */
const NAMES: Record<number, string> = {
  [MapTypeId.HASH]: 'hash',
  [MapTypeId.ARRAY]: 'array',
  [MapTypeId.PROG_ARRAY]: 'prog_array',
  [MapTypeId.PERF_EVENT_ARRAY]: 'perf_event_array',
  [MapTypeId.PERCPU_HASH]: 'percpu_hash',
  [MapTypeId.PERCPU_ARRAY]: 'percpu_array',
  [MapTypeId.STACK_TRACE]: 'stack_trace',
  [MapTypeId.CGROUP_ARRAY]: 'cgroup_array',
  [MapTypeId.LRU_HASH]: 'lru_hash',
  [MapTypeId.LRU_PERCPU_HASH]: 'lru_percpu_hash',
  [MapTypeId.LPM_TRIE]: 'lpm_trie',
  [MapTypeId.ARRAY_OF_MAPS]: 'array_of_maps',
  [MapTypeId.HASH_OF_MAPS]: 'hash_of_maps',
  [MapTypeId.DEVMAP]: 'devmap',
  [MapTypeId.SOCKMAP]: 'sockmap',
  [MapTypeId.CPUMAP]: 'cpumap',
  [MapTypeId.XSKMAP]: 'xskmap',
  [MapTypeId.SOCKHASH]: 'sockhash',
  [MapTypeId.CGROUP_STORAGE]: 'cgroup_storage',
  [MapTypeId.REUSEPORT_SOCKARRAY]: 'reuseport_sockarray',
  [MapTypeId.PERCPU_CGROUP_STORAGE]: 'percpu_cgroup_storage',
  [MapTypeId.QUEUE]: 'queue',
  [MapTypeId.STACK]: 'stack',
  [MapTypeId.SK_STORAGE]: 'sk_storage',
  [MapTypeId.DEVMAP_HASH]: 'devmap_hash',
  [MapTypeId.STRUCT_OPS]: 'struct_ops',
  [MapTypeId.RINGBUF]: 'ringbuf',
  [MapTypeId.INODE_STORAGE]: 'inode_storage',
  [MapTypeId.TASK_STORAGE]: 'task_storage',
  [MapTypeId.BLOOM_FILTER]: 'bloom_filter',
  [MapTypeId.USER_RINGBUF]: 'user_ringbuf',
  [MapTypeId.CGRP_STORAGE]: 'cgrp_storage',
  [MapTypeId.ARENA]: 'arena',
};

export function mapTypeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

/** The map type with libbpf name `name`, or undefined. */
export function mapTypeByName(name: string): MapType | undefined {
  const found = Object.entries(NAMES).find(([, n]) => n === name);
  return found ? (Number(found[0]) as MapType) : undefined;
}

/** Every map type this version of tsbpf knows, in kernel order. */
export const ALL_MAP_TYPES: readonly MapType[] = Object.values(MapType);
