/**
 * kprobes/kretprobes on kernel functions and uprobes/uretprobes on user functions, each a perf event of
 * the probe PMU with the BPF program linked to it. The function name (kprobe) or the binary's path
 * (uprobe) goes to the kernel as a C string that must live until perf_event_open returns.
 */
import type { Program } from '../programs/program.js';
import { FileDescriptor, NativeMemory, perf } from '../sys/index.js';
import { requireProbePmu } from './probe-pmu.js';
import type { Link } from './link.js';
import { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';
import { attachPerfEvent } from './tracepoint.js';

function cString(text: string): NativeMemory {
  const bytes = new TextEncoder().encode(`${text}\0`);
  const memory = new NativeMemory(bytes.length);
  memory.bytes.set(bytes);
  return memory;
}

export interface KprobeOptions {
  /** kretprobe: run on return. */
  returnProbe?: boolean;
  /** Offset into the function. */
  offset?: number;
  cookie?: bigint;
}

export function attachKprobe(program: Program, functionName: string, options: KprobeOptions = {}): Link {
  const pmu = requireProbePmu('kprobe');
  const name = cString(functionName);
  try {
    const fd = perf.perfEventOpen({
      type: pmu.type, config: options.returnProbe ? 1n << BigInt(pmu.returnBit) : 0n,
      config1: name.address, config2: options.offset ?? 0,
    }, -1, 0);
    const kind = options.returnProbe ? 'kretprobe' : 'kprobe';
    return attachPerfEvent(program, new FileDescriptor(fd, `${kind} ${functionName}`), `${kind} ${functionName}`, options.cookie);
  } finally {
    name.free();
  }
}

export interface UprobeOptions {
  returnProbe?: boolean;
  /** Only this process (default: every process running the binary). */
  pid?: number;
  /** The function's file offset, when it has no symbol; else from `functionName`. */
  offset?: number;
  cookie?: bigint;
}

/** A uprobe on `functionName` in `binary` (a path, a library name like `libc.so.6`, or an executable on PATH). */
export function attachUprobe(program: Program, binary: string, functionName: string | undefined, options: UprobeOptions = {}): Link {
  const pmu = requireProbePmu('uprobe');
  const path = resolveBinaryPath(binary, options.pid);
  const offset = options.offset ?? functionFileOffset(path, functionName ?? '');
  const pathString = cString(path);
  try {
    const fd = perf.perfEventOpen({
      type: pmu.type, config: options.returnProbe ? 1n << BigInt(pmu.returnBit) : 0n,
      config1: pathString.address, config2: offset,
    }, options.pid ?? -1, options.pid === undefined ? 0 : -1);
    const kind = options.returnProbe ? 'uretprobe' : 'uprobe';
    const target = `${kind} ${path}:${functionName ?? `0x${offset.toString(16)}`}`;
    return attachPerfEvent(program, new FileDescriptor(fd, target), target, options.cookie);
  } finally {
    pathString.free();
  }
}
