/** `struct bpf_map_info` decoded (BPF_OBJ_GET_INFO_BY_FD on a map). */
import { bpf, NativeMemory } from '../sys/index.js';
import { BPF_OBJ_NAME_LEN, MapInfoLayout } from '../sys/abi.js';
import type { MapType } from './map-types.js';

export interface MapInfo {
  type: MapType;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfVmlinuxValueTypeId: number;
  netnsDev: bigint;
  netnsIno: bigint;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxId: number;
  mapExtra: bigint;
}

const decoder = new TextDecoder();

export function mapInfoByFd(fd: number): MapInfo {
  const memory = new NativeMemory(MapInfoLayout.size);
  try {
    bpf.objGetInfoByFd(fd, memory);
    return decodeMapInfo(memory.view);
  } finally {
    memory.free();
  }
}

export function decodeMapInfo(view: DataView): MapInfo {
  const u32 = (offset: number): number => view.getUint32(offset, true);
  const u64 = (offset: number): bigint => view.getBigUint64(offset, true);
  const nameBytes = new Uint8Array(view.buffer, view.byteOffset + MapInfoLayout.name, BPF_OBJ_NAME_LEN);
  const end = nameBytes.indexOf(0);
  return {
    type: u32(MapInfoLayout.type) as MapType,
    id: u32(MapInfoLayout.id),
    keySize: u32(MapInfoLayout.key_size),
    valueSize: u32(MapInfoLayout.value_size),
    maxEntries: u32(MapInfoLayout.max_entries),
    flags: u32(MapInfoLayout.map_flags),
    name: decoder.decode(nameBytes.subarray(0, end < 0 ? BPF_OBJ_NAME_LEN : end)),
    ifindex: u32(MapInfoLayout.ifindex),
    btfVmlinuxValueTypeId: u32(MapInfoLayout.btf_vmlinux_value_type_id),
    netnsDev: u64(MapInfoLayout.netns_dev),
    netnsIno: u64(MapInfoLayout.netns_ino),
    btfId: u32(MapInfoLayout.btf_id),
    btfKeyTypeId: u32(MapInfoLayout.btf_key_type_id),
    btfValueTypeId: u32(MapInfoLayout.btf_value_type_id),
    btfVmlinuxId: u32(MapInfoLayout.btf_vmlinux_id),
    mapExtra: u64(MapInfoLayout.map_extra),
  };
}
