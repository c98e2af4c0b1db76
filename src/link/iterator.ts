/**
 * Iterators (`SEC("iter/task")`): a link, then each `open()` runs the program once over the kernel's
 * objects and its seq_file output is read like a file. Map iterators take the map as iter_info.
 */
import { closeSync, readSync } from 'node:fs';
import type { BpfMap } from '../maps/map.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';

const CHUNK = 64 * 1024;

export class IteratorLink extends Link {
  /** Runs the iterator once and returns all it printed. */
  read(): Uint8Array {
    const chunks: Uint8Array[] = [];
    for (const chunk of this.chunks()) chunks.push(chunk);
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Runs the iterator once, as text. */
  readText(): string {
    return new TextDecoder().decode(this.read());
  }

  /** Runs the iterator once, yielding its output as it is produced (for large outputs). */
  *chunks(): Generator<Uint8Array, void, undefined> {
    const fd = bpf.iterCreate(this.fd.value);
    try {
      for (;;) {
        const buffer = new Uint8Array(CHUNK);
        const n = readSync(fd, buffer, 0, CHUNK, null);
        if (n === 0) return;
        yield buffer.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Attaches an iterator program; `map` for bpf_map_elem iterators (iter/bpf_map_elem, iter/sk_storage_map...). */
export function attachIterator(program: Program, options: { map?: BpfMap } = {}): IteratorLink {
  let iterInfo: Uint8Array | undefined;
  if (options.map) {
    // union bpf_iter_link_info: { struct { __u32 map_fd; } map; ... }
    iterInfo = new Uint8Array(8);
    new DataView(iterInfo.buffer).setUint32(0, options.map.fd.value, true);
  }
  const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: abi.AttachTypeId.TRACE_ITER, ...(iterInfo ? { iterInfo } : {}) });
  return new IteratorLink(new FileDescriptor(fd, `iterator ${program.name} link`), `iter ${program.name}`);
}
