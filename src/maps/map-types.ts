/**
 * Map types: the kernel's `enum bpf_map_type` with TypeScript names, and the names bpftool and libbpf
 * print for them (`hash`, `percpu_array`, ...).
 */
import { MapTypeId } from '../sys/abi.js';
import { enumNames } from '../sys/abi-names.js';

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

const NAMES = enumNames(MapTypeId);

/** libbpf's name of the type, as bpftool prints it. */
export function mapTypeName(type: number): string {
  return NAMES.name(type);
}

/** The MapType with libbpf name `name`, or undefined. */
export function mapTypeByName(name: string): MapType | undefined {
  return NAMES.value(name) as MapType | undefined;
}

/** Every map type this version of tsbpf knows, in kernel order. */
export const ALL_MAP_TYPES: readonly MapType[] = Object.values(MapType);
