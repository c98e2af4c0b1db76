/**
 * Tracepoints (`SEC("tp/syscalls/sys_enter_openat")`): a perf event on the tracepoint (its id from
 * tracefs), and a BPF link on that perf event. One event on CPU 0 is enough: the program hangs off the
 * tracepoint itself and runs on every CPU.
 */
import { readFileSync } from 'node:fs';
import { BpfError, Errno, InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor, perf } from '../sys/index.js';
import { ensureTracefs } from '../sys/tracefs.js';
import { Link } from './link.js';
import { PerfEventAttachment } from './perf-event-ioctl.js';

const NAME = /^[A-Za-z0-9_.-]+$/;

/** The perf id of tracepoint `category/name` from tracefs. */
export function tracepointId(category: string, name: string): number {
  if (!NAME.test(category) || !NAME.test(name)) throw new InvalidArgumentError(`'${category}/${name}' is not a tracepoint name`, 'give it as category and name: syscalls, sys_enter_openat');
  const path = `${ensureTracefs()}/events/${category}/${name}/id`;
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    throw new NotSupportedError(`tracepoint ${category}/${name}`, `${path} does not exist`, 'list the kernel\'s tracepoints in /sys/kernel/tracing/available_events');
  }
}

/**
 * Links `program` to the perf event `perfFd` (`cookie` for bpf_get_attach_cookie). Kernels before 5.15
 * refuse a perf event link (EINVAL): without a cookie to carry, the program then goes on the event by
 * ioctl (PerfEventAttachment), as libbpf falls back.
 */
export function attachPerfEvent(program: Program, perfFd: FileDescriptor, target: string, cookie?: bigint): Link {
  try {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: perfFd.value, attachType: abi.AttachTypeId.PERF_EVENT, ...(cookie !== undefined ? { perfEventCookie: cookie } : {}) });
    return new Link(new FileDescriptor(fd, `${target} link`), target, [perfFd]);
  } catch (error) {
    if (error instanceof BpfError && error.errno === Errno.EINVAL && cookie === undefined) {
      try {
        return new PerfEventAttachment(program, perfFd, target);
      } catch {
        throw error; // the ioctl refused it too (and closed the event): the link's refusal says more
      }
    }
    perfFd.close();
    throw error;
  }
}

/** Attaches a tracepoint program to `category/name`. */
export function attachTracepoint(program: Program, category: string, name: string, options: { cookie?: bigint } = {}): Link {
  const id = tracepointId(category, name);
  const fd = perf.perfEventOpen({ type: abi.PerfType.TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1 }, -1, 0);
  return attachPerfEvent(program, new FileDescriptor(fd, `perf event of tracepoint ${category}/${name}`), `tracepoint ${category}/${name}`, options.cookie);
}
