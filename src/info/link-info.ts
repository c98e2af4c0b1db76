/**
 * `struct bpf_link_info`: the common head decoded, the per-link-type union kept as raw bytes until the
 * link layer decodes each kind (tracing target, cgroup id, netns, xdp ifindex, ...).
 */
import { abi, bpf, closeRawFd } from '../sys/index.js';
import { getObjectInfo } from './object-info.js';

const L = abi.LinkInfoLayout;

export interface LinkInfo {
  /** `enum bpf_link_type`. */
  type: number;
  id: number;
  /** The program the link holds (0 once a link was detached). */
  programId: number;
  /** The type-specific union, undecoded. */
  details: Uint8Array;
}

export function decodeLinkInfo(view: DataView): LinkInfo {
  return {
    type: view.getUint32(L.type, true),
    id: view.getUint32(L.id, true),
    programId: view.getUint32(L.prog_id, true),
    details: new Uint8Array(view.buffer.slice(view.byteOffset + L.union, view.byteOffset + L.size)),
  };
}

/** Everything the kernel says about the link behind `fd`. */
export function linkInfo(fd: number): LinkInfo {
  return decodeLinkInfo(getObjectInfo(fd, L.size).view);
}

/** Opens a link by id only long enough to read its info. */
export function linkInfoById(id: number): LinkInfo {
  const fd = bpf.getFdById('LINK', id);
  try {
    return linkInfo(fd);
  } finally {
    closeRawFd(fd);
  }
}
