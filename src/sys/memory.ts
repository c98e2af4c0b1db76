/** mmap(2) of kernel objects (BPF maps, perf rings) as zero-copy byte views. */
import { SystemError } from '../errors.js';
import { Mmap } from './abi.js';
import { lastErrno, mmap, type Mapping, munmap } from './ffi.js';

export type { Mapping } from './ffi.js';

/** Maps `length` bytes of `fd` shared, readable and (when `writable`) writable. */
export function mapShared(fd: number, length: number, writable: boolean, offset = 0): Mapping {
  const prot = Mmap.PROT_READ | (writable ? Mmap.PROT_WRITE : 0);
  const mapping = mmap(length, prot, Mmap.MAP_SHARED, fd, offset);
  if (!mapping) throw new SystemError('mmap', lastErrno(), writable ? 'a frozen or read-only map can only be mapped read-only' : '');
  return mapping;
}

/**
 * Drops the kernel mapping but keeps the address range valid: the range is replaced by private
 * anonymous memory, so a view a caller still holds reads zeroes instead of crashing the process, and
 * the kernel object's mmap reference is gone at once. `release()` frees the range for good.
 */
export function detachMapping(mapping: Mapping): void {
  const replaced = mmap(mapping.length, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED, -1, 0, mapping.address);
  if (!replaced) munmap(mapping.address, mapping.length);
}

const ranges = new FinalizationRegistry<{ address: number; length: number }>(({ address, length }) => {
  munmap(address, length);
});

/** Unmaps the placeholder left by detachMapping once no JS view of `buffer` is reachable. */
export function releaseWhenUnreachable(buffer: ArrayBuffer, mapping: Mapping): void {
  ranges.register(buffer, { address: mapping.address, length: mapping.length });
}

export function unmap(mapping: Mapping): void {
  if (munmap(mapping.address, mapping.length) < 0) throw new SystemError('munmap', lastErrno());
}
