/** Raw tracepoints (`SEC("raw_tp/sched_switch")`): the program gets the tracepoint's raw arguments. */
import type { Program } from '../programs/program.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';

export function attachRawTracepoint(program: Program, name: string): Link {
  const fd = bpf.rawTracepointOpen(program.fd.value, name);
  return new Link(new FileDescriptor(fd, `raw_tp ${name} link`), `raw_tp ${name}`);
}
