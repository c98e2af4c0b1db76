/**
 * BTF-typed hooks whose target was fixed at load (attach_btf_id): tp_btf, fentry/fexit/fmod_ret, lsm,
 * freplace. The link needs no target; a cookie needs BPF_LINK_CREATE with the program's attach type.
 */
import type { Program } from '../programs/program.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';

export function attachTracing(program: Program, options: { attachType?: number; cookie?: bigint } = {}): Link {
  const target = `tracing ${program.name}`;
  if (options.cookie !== undefined && options.attachType !== undefined) {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: options.attachType, tracingCookie: options.cookie });
    return new Link(new FileDescriptor(fd, `${target} link`), target);
  }
  // without a cookie, the raw tracepoint command attaches every BTF-typed hook, on every kernel that has them
  const fd = bpf.rawTracepointOpen(program.fd.value, null);
  return new Link(new FileDescriptor(fd, `${target} link`), target);
}
