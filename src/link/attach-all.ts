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
import { attachKprobeMultiPattern, attachUprobeMultiPattern } from './multi-probes.js';
import { attachKprobe, attachUprobe } from './probes.js';
import { attachUsdtSection } from './usdt.js';

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
    case P.KPROBE:
      return target === '' ? undefined : attachProbe(spec, program);
    default:
      // xdp, tc, cgroup and socket hooks need a target from the caller
      return undefined;
  }
}

/** The kind of probe a SEC pattern names: `kprobe+`, `kretprobe+`, `uprobe.s+`, `ksyscall+`, ... */
function probeKind(spec: ObjectProgramSpec): string {
  return spec.definition.pattern.replace(/[.+/].*$/, '');
}

/** kprobe/FUNC[+OFFSET], kretprobe/FUNC, ksyscall/NAME, uprobe/BINARY:FUNC[+OFFSET], uretprobe/... as libbpf reads them. */
function attachProbe(spec: ObjectProgramSpec, program: Program): Link | undefined {
  const kind = probeKind(spec);
  const target = spec.attachTarget;
  if (spec.definition.pattern.includes('.multi') || spec.definition.pattern.includes('.session')) return attachMultiProbe(spec, program, kind);
  if (kind === 'kprobe' || kind === 'kretprobe') {
    const match = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(target);
    if (!match) throw new NotSupportedError(`program '${spec.name}'`, `SEC("${spec.section}") is not ${kind}/FUNCTION[+OFFSET]`, `write SEC("${kind}/<kernel function>")`);
    return attachKprobe(program, match[1]!, { returnProbe: kind === 'kretprobe', ...(match[2] ? { offset: Number(match[2]) } : {}) });
  }
  if (kind === 'ksyscall' || kind === 'kretsyscall') {
    // the arch's syscall wrapper, as libbpf's ksyscall sections do on x86-64
    return attachKprobe(program, `__x64_sys_${target}`, { returnProbe: kind === 'kretsyscall' });
  }
  if (kind === 'usdt') return attachUsdtSection(program, spec.section, target);
  if (kind === 'uprobe' || kind === 'uretprobe') {
    const match = /^(.+):([^:+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(target);
    if (!match) throw new NotSupportedError(`program '${spec.name}'`, `SEC("${spec.section}") is not ${kind}/BINARY:FUNCTION[+OFFSET]`, `write SEC("${kind}/<path>:<function>")`);
    return attachUprobe(program, match[1]!, match[2]!, { returnProbe: kind === 'uretprobe' });
  }
  return undefined;
}

/**
 * kprobe.multi/PATTERN, kretprobe.multi/PATTERN, kprobe.session/PATTERN (kernel functions from
 * available_filter_functions) and uprobe.multi/PATH:PATTERN, uretprobe.multi/..., uprobe.session/...
 * (the binary's functions), as libbpf reads them.
 */
function attachMultiProbe(spec: ObjectProgramSpec, program: Program, kind: string): Link {
  const target = spec.attachTarget;
  const session = spec.definition.pattern.includes('.session');
  const flavour = session ? 'session' : 'multi';
  if (kind === 'kprobe' || kind === 'kretprobe') {
    return attachKprobeMultiPattern(program, target, { returnProbe: kind === 'kretprobe', session });
  }
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1) {
    throw new NotSupportedError(`program '${spec.name}'`, `SEC("${spec.section}") is not ${kind}.${flavour}/BINARY:PATTERN`, `write SEC("${kind}.${flavour}/<path>:<function pattern>")`);
  }
  return attachUprobeMultiPattern(program, target.slice(0, colon), target.slice(colon + 1), { returnProbe: kind === 'uretprobe', session });
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
