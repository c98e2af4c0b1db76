/**
 * Kernel facts the event readers depend on, in the readers' terms: the BPF ring buffer's record header
 * and the perf ring's control page and record headers, all from the generated ABI; and the page size
 * both rings' mmap layout counts in.
 */
import { readFileSync } from 'node:fs';
import { abi } from '../sys/index.js';

/** The ring buffer record header (generated from kernel BTF), and the length mask under its two flag bits. */
export const RingHeader = {
  BUSY_BIT: abi.RingbufHeader.BUSY_BIT,
  DISCARD_BIT: abi.RingbufHeader.DISCARD_BIT,
  SIZE: abi.RingbufHeader.HDR_SZ,
  LENGTH_MASK: ~(abi.RingbufHeader.BUSY_BIT | abi.RingbufHeader.DISCARD_BIT) >>> 0,
} as const;

/** `struct perf_event_mmap_page`: where the kernel publishes the ring's head and the reader writes its tail. */
export const PerfMmapPage = abi.PerfMmapPageLayout;

/** `struct perf_event_header` (type u32, misc u16, size u16) and the records the readers handle. */
export const PerfRecordHeader = { type: abi.PerfEventHeaderLayout.type, misc: abi.PerfEventHeaderLayout.misc, size: abi.PerfEventHeaderLayout.size, SIZE: abi.PerfEventHeaderLayout.total } as const;
export const PerfRecordType = { LOST: abi.PerfRecordType.LOST, SAMPLE: abi.PerfRecordType.SAMPLE } as const;

/** AT_PAGESZ of the auxiliary vector (include/uapi/linux/auxvec.h). */
const AT_PAGESZ = 6;

let pageSize: number | undefined;

/** The kernel's page size, from this process's auxiliary vector (the unit of both rings' mmap layout). */
export function systemPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  const auxv = readFileSync('/proc/self/auxv');
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let offset = 0; offset + 16 <= auxv.byteLength; offset += 16) {
    if (Number(view.getBigUint64(offset, little)) === AT_PAGESZ) return (pageSize = Number(view.getBigUint64(offset + 8, little)));
  }
  return (pageSize = 4096);
}
