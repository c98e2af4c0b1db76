/**
 * `attachAll`: every loaded program whose SEC name says where it goes, attached there — what a libbpf
 * skeleton's `__attach()` does. Programs whose section names no target (xdp, tc, socket, cgroup, bare
 * `tp`) are left for the caller, as libbpf leaves them.
 */
import { NotSupportedError } from '../errors.js';
import type { ObjectProgramSpec } from '../object/object-spec.js';
import type { Program } from '../programs/program.js';
import { AttachTypeId as A, ProgramTypeId as P } from '../sys/abi.js';
import type { IteratorLink } from './iterator.js';
import { attachIterator } from './iterator.js';
import type { Link } from './link.js';
import { attachRawTracepoint } from './raw-tracepoint.js';
import { attachTracepoint } from './tracepoint.js';
import { attachTracing } from './tracing.js';

/** How a program auto-attaches, or why it doesn't (undefined: the caller attaches it). */
export function autoAttach(spec: ObjectProgramSpec, program: Program): Link | IteratorLink | undefined {
  const target = spec.attachTarget;
  switch (spec.programType) {
    case P.TRACEPOINT: {
      if (target === '') return undefined;
      const slash = target.indexOf('/');
      if (slash <= 0) throw new NotSupportedError(`program '${spec.name}'`, `SEC("${spec.section}") names no tracepoint category/name`, 'write SEC("tp/<category>/<name>")');
      return attachTracepoint(program, target.slice(0, slash), target.slice(slash + 1));
    }
    case P.RAW_TRACEPOINT:
    case P.RAW_TRACEPOINT_WRITABLE:
      return target === '' ? undefined : attachRawTracepoint(program, target);
    case P.TRACING:
      if (spec.expectedAttachType === A.TRACE_ITER) return attachIterator(program);
      return attachTracing(program);
    case P.LSM:
    case P.EXT:
      return attachTracing(program);
    default:
      // kprobes, uprobes and USDT attach by their own files; xdp, tc, cgroup and socket hooks need a target from the caller
      return undefined;
  }
}

/** Attaches every program of `programs` that auto-attaches; on a failure, detaches the ones it attached. */
export function attachAll(programs: readonly { spec: ObjectProgramSpec; program: Program }[]): Map<string, Link> {
  const links = new Map<string, Link>();
  try {
    for (const { spec, program } of programs) {
      const link = autoAttach(spec, program);
      if (link) links.set(spec.name, link);
    }
    return links;
  } catch (error) {
    for (const link of links.values()) link.close();
    throw error;
  }
}
