/** `struct bpf_map_info` decoded into plain data. */
import { abi, bpf, closeRawFd } from '../sys/index.js';
import { getObjectInfo, readFixedName } from './object-info.js';

const L = abi.MapInfoLayout;

export interface MapInfo {
  /** `enum bpf_map_type` (see mapTypeName). */
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfVmlinuxValueTypeId: number;
  netnsDevice: bigint;
  netnsInode: bigint;
  /** Id of the map's BTF object, 0 when it has none. */
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxId: number;
  /** Type-specific extra (bloom filter hash count, arena address, ...). */
  mapExtra: bigint;
}

export function decodeMapInfo(view: DataView): MapInfo {
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => view.getBigUint64(offset, true);
  return {
    type: u32(L.type),
    id: u32(L.id),
    keySize: u32(L.key_size),
    valueSize: u32(L.value_size),
    maxEntries: u32(L.max_entries),
    flags: u32(L.map_flags),
    name: readFixedName(view, L.name, abi.BPF_OBJ_NAME_LEN),
    ifindex: u32(L.ifindex),
    btfVmlinuxValueTypeId: u32(L.btf_vmlinux_value_type_id),
    netnsDevice: u64(L.netns_dev),
    netnsInode: u64(L.netns_ino),
    btfId: u32(L.btf_id),
    btfKeyTypeId: u32(L.btf_key_type_id),
    btfValueTypeId: u32(L.btf_value_type_id),
    btfVmlinuxId: u32(L.btf_vmlinux_id),
    mapExtra: u64(L.map_extra),
  };
}

/** Everything the kernel says about the map behind `fd`. */
export function mapInfo(fd: number): MapInfo {
  // The hash member (a SHA-256 the kernel computes on request) is left unasked: it costs a pass over the map.
  return decodeMapInfo(getObjectInfo(fd, L.size).view);
}

/** Opens a map by id only long enough to read its info. */
export function mapInfoById(id: number): MapInfo {
  const fd = bpf.getFdById('MAP', id);
  try {
    return mapInfo(fd);
  } finally {
    closeRawFd(fd);
  }
}
