/** What a map is made of: the attributes BPF_MAP_CREATE takes, in TypeScript names. */
import type { MapType } from './map-types.js';

/** Something that holds a live map fd (a BpfMap); kept structural so this file needs no import of map.ts. */
export interface MapHandle {
  readonly fd: { readonly value: number };
}

export interface MapSpec {
  type: MapType;
  keySize: number;
  valueSize: number;
  /** For perf_event_array, 0 means one entry per possible CPU. */
  maxEntries: number;
  /** `MapFlags` bits (BPF_F_*). */
  flags?: number;
  /** At most 15 characters reach the kernel. */
  name?: string;
  /** Array/hash of maps: a live inner map, or a spec for a template map created and closed around the call. */
  innerMap?: MapHandle | MapSpec;
  numaNode?: number;
  /** Bloom filter: number of hash functions (bits 0-3); arena: the user-space start address. */
  mapExtra?: bigint;
  /** Storage maps: when absent, tsbpf loads a minimal BTF blob itself. */
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  ifindex?: number;
}
