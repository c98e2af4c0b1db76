/** `struct bpf_btf_info` decoded into plain data; the name arrives through a pointer, sized on a second call. */
import { abi, bpf, closeRawFd } from '../sys/index.js';
import { getObjectInfo, readCString } from './object-info.js';

const L = abi.BtfInfoLayout;

export interface BtfInfo {
  id: number;
  /** Bytes of raw BTF. */
  size: number;
  /** `vmlinux` or a module's name for kernel BTF; empty for BTF a program loaded. */
  name: string;
  /** True for BTF the kernel itself provides (vmlinux, modules). */
  kernelBtf: boolean;
}

export function decodeBtfInfo(view: DataView, name = ''): BtfInfo {
  return {
    id: view.getUint32(L.id, true),
    size: view.getUint32(L.btf_size, true),
    name,
    kernelBtf: view.getUint32(L.kernel_btf, true) !== 0,
  };
}

/** Everything the kernel says about the BTF object behind `fd`. */
export function btfInfo(fd: number): BtfInfo {
  const first = getObjectInfo(fd, L.size).view;
  // name_len is the name's length without its NUL (0: no name); the second call needs room for the NUL too.
  const nameLength = first.getUint32(L.name_len, true);
  if (nameLength === 0) return decodeBtfInfo(first);
  const second = getObjectInfo(fd, L.size, [{ pointerOffset: L.name, lengthOffset: L.name_len, length: nameLength + 1, bytes: nameLength + 1 }]);
  return decodeBtfInfo(second.view, readCString(second.arrays[0]!));
}

/** The raw BTF blob of the object behind `fd` (what `bpftool btf dump id N` parses). */
export function btfData(fd: number): Uint8Array {
  const size = getObjectInfo(fd, L.size).view.getUint32(L.btf_size, true);
  if (size === 0) return new Uint8Array(0);
  const second = getObjectInfo(fd, L.size, [{ pointerOffset: L.btf, lengthOffset: L.btf_size, length: size, bytes: size }]);
  return second.arrays[0]!.slice(0, Math.min(second.view.getUint32(L.btf_size, true), size));
}

/** Opens a BTF object by id only long enough to read its info. */
export function btfInfoById(id: number): BtfInfo {
  const fd = bpf.getFdById('BTF', id);
  try {
    return btfInfo(fd);
  } finally {
    closeRawFd(fd);
  }
}
