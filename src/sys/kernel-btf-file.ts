/**
 * Kernel BTF files (/sys/kernel/btf/vmlinux and modules), mapped instead of read where the kernel
 * allows it (read-only private mappings of sysfs BTF, since 6.16): no 5.5 MB copy, only the pages the
 * parser touches are faulted in, and they are the kernel's own pages. Older kernels refuse the mapping
 * and the file is read instead. Only kernel BTF is mapped: it never changes under the mapping, while a
 * user's file truncated meanwhile would fault the process.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Mmap } from './abi.js';
import { mmap } from './ffi.js';
import { releaseWhenUnreachable } from './memory.js';

export const KERNEL_BTF_DIRECTORY = '/sys/kernel/btf';
export const VMLINUX_BTF_PATH = `${KERNEL_BTF_DIRECTORY}/vmlinux`;

/** The bytes of a kernel BTF file; the mapping lives as long as any view of the returned array. */
export function readKernelBtfFile(path: string = VMLINUX_BTF_PATH): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const mapping = size > 0 ? mmap(size, Mmap.PROT_READ, Mmap.MAP_PRIVATE, fd, 0) : null;
    if (mapping) {
      releaseWhenUnreachable(mapping.buffer, mapping);
      return new Uint8Array(mapping.buffer);
    }
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}

/** Whether `path` names a kernel BTF file, which readKernelBtfFile may map. */
export function isKernelBtfPath(path: string): boolean {
  return path.startsWith(`${KERNEL_BTF_DIRECTORY}/`) && !path.slice(KERNEL_BTF_DIRECTORY.length + 1).includes('/');
}
