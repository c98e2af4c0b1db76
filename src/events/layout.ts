/**
 * Kernel facts the event readers depend on: the BPF ring buffer's record header and mmap layout
 * (include/uapi/linux/bpf.h, kernel/bpf/ringbuf.c) and the perf ring's control page and record
 * headers (include/uapi/linux/perf_event.h). They are #defines and anonymous enums that the generated
 * ABI file does not carry yet; each value names its source.
 */
import { readFileSync } from 'node:fs';

/** BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, BPF_RINGBUF_HDR_SZ (include/uapi/linux/bpf.h). */
export const RingHeader = {
  BUSY_BIT: 0x8000_0000,
  DISCARD_BIT: 0x4000_0000,
  SIZE: 8,
  /** The length field is the header's low 32 bits minus the two flag bits. */
  LENGTH_MASK: 0x3fff_ffff,
} as const;

/**
 * `struct perf_event_mmap_page` (include/uapi/linux/perf_event.h): where the kernel publishes the
 * ring's head and where the reader writes its tail; the data area follows the control page.
 */
export const PerfMmapPage = { data_head: 1024, data_tail: 1032, data_offset: 1040, data_size: 1048 } as const;

/** `struct perf_event_header` (type u32, misc u16, size u16) and the records the readers handle. */
export const PerfRecordHeader = { type: 0, misc: 4, size: 6, SIZE: 8 } as const;
export const PerfRecordType = { LOST: 2, SAMPLE: 9 } as const;

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
