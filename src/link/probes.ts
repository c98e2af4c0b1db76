/**
 * kprobes/kretprobes on kernel functions and uprobes/uretprobes on user functions, each a perf event of
 * the probe PMU with the BPF program linked to it. The function name (kprobe) or the binary's path
 * (uprobe) goes to the kernel as a C string that must live until perf_event_open returns. Where the
 * kernel has no probe PMU but tracefs has probe events, the probe is made there instead
 * (kprobe-legacy.ts); `mode` forces one way or the other.
 */
import { Errno, SystemError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { FileDescriptor, NativeMemory, perf } from '../sys/index.js';
import { attachKprobeLegacy, attachUprobeLegacy, chooseProbePmu, ProbeTargetError, type ProbeEventKind } from './kprobe-legacy.js';
import type { ProbePmu } from './probe-pmu.js';
import type { Link } from './link.js';
import { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';
import { attachPerfEvent } from './tracepoint.js';

function cString(text: string): NativeMemory {
  const bytes = new TextEncoder().encode(`${text}\0`);
  const memory = new NativeMemory(bytes.length);
  memory.bytes.set(bytes);
  return memory;
}

/**
 * How a probe is made: `pmu` through the kprobe/uprobe perf PMU (Linux 4.17+), `legacy` through
 * tracefs `kprobe_events`/`uprobe_events`, `auto` (the default) the PMU where there is one, else tracefs.
 */
export type ProbeMode = 'auto' | 'pmu' | 'legacy';

/** perf_event_open on a probe PMU; a location the kernel cannot find or probe becomes a ProbeTargetError. */
function openProbe(pmu: ProbePmu, returnProbe: boolean, location: string, offset: number | bigint, pid: number, cpu: number, target: string, kind: ProbeEventKind): number {
  const text = cString(location);
  try {
    return perf.perfEventOpen({ type: pmu.type, config: returnProbe ? 1n << BigInt(pmu.returnBit) : 0n, config1: text.address, config2: offset }, pid, cpu);
  } catch (error) {
    if (!(error instanceof SystemError) || (error.errno !== Errno.ENOENT && error.errno !== Errno.EINVAL)) throw error;
    throw kind === 'kprobe'
      ? new ProbeTargetError(target, `${returnProbe ? 'kretprobe' : 'kprobe'} on '${target}': perf_event_open answered ${error.code}: no kernel function of that name, or one that cannot be probed there (inlined, notrace, blacklisted, or an offset inside an instruction)`,
        `check that '${target}' is listed in /sys/kernel/tracing/available_filter_functions (and not in /sys/kernel/debug/kprobes/blacklist)`, error.code)
      : new ProbeTargetError(target, `${returnProbe ? 'uretprobe' : 'uprobe'} on ${target}: perf_event_open answered ${error.code}: no such file, or an offset outside its executable code`,
        'check the path and the offset (readelf -Ws for symbols)', error.code);
  } finally {
    text.free();
  }
}

export interface KprobeOptions {
  /** kretprobe: run on return. */
  returnProbe?: boolean;
  /** Offset into the function. */
  offset?: number;
  cookie?: bigint;
  /** PMU or tracefs (default: the PMU where the kernel has one). */
  mode?: ProbeMode;
  /** kretprobes made through tracefs: how many returns may be pending at once (`r[MAXACTIVE]:`). */
  maxActive?: number;
}

export function attachKprobe(program: Program, functionName: string, options: KprobeOptions = {}): Link {
  const pmu = chooseProbePmu('kprobe', options.mode ?? 'auto');
  if (!pmu) return attachKprobeLegacy(program, functionName, options);
  const kind = options.returnProbe ? 'kretprobe' : 'kprobe';
  const fd = openProbe(pmu, options.returnProbe ?? false, functionName, options.offset ?? 0, -1, 0, functionName, 'kprobe');
  return attachPerfEvent(program, new FileDescriptor(fd, `${kind} ${functionName}`), `${kind} ${functionName}`, options.cookie);
}

export interface UprobeOptions {
  returnProbe?: boolean;
  /** Only this process (default: every process running the binary). */
  pid?: number;
  /** The function's file offset, when it has no symbol; else from `functionName`. */
  offset?: number;
  cookie?: bigint;
  /** PMU or tracefs (default: the PMU where the kernel has one). */
  mode?: ProbeMode;
}

/** A uprobe on `functionName` in `binary` (a path, a library name like `libc.so.6`, or an executable on PATH). */
export function attachUprobe(program: Program, binary: string, functionName: string | undefined, options: UprobeOptions = {}): Link {
  const pmu = chooseProbePmu('uprobe', options.mode ?? 'auto');
  const path = resolveBinaryPath(binary, options.pid);
  const offset = options.offset ?? functionFileOffset(path, functionName ?? '');
  if (!pmu) {
    return attachUprobeLegacy(program, path, offset, {
      ...(options.returnProbe !== undefined ? { returnProbe: options.returnProbe } : {}), ...(options.pid !== undefined ? { pid: options.pid } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}), ...(functionName ? { functionName } : {}),
    });
  }
  const kind = options.returnProbe ? 'uretprobe' : 'uprobe';
  const target = `${kind} ${path}:${functionName ?? `0x${offset.toString(16)}`}`;
  const fd = openProbe(pmu, options.returnProbe ?? false, path, offset, options.pid ?? -1, options.pid === undefined ? 0 : -1, `${path}:${functionName ?? `0x${offset.toString(16)}`}`, 'uprobe');
  return attachPerfEvent(program, new FileDescriptor(fd, target), target, options.cookie);
}
