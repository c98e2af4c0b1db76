/**
 * BPF_PROG_TEST_RUN: run a loaded program once or `repeat` times on a packet and/or context the caller
 * supplies, without attaching it. Each program type has its own rules about what it accepts; the ones
 * that matter to the shape of the call are handled here, the rest the kernel reports as EINVAL.
 */
import { bpf, NativeMemory } from '../sys/index.js';
import { InvalidArgumentError } from '../errors.js';
import { ProgramType } from './program-types.js';

export interface TestRunOptions {
  /** The packet (or other input data) to run on. */
  data?: Uint8Array;
  /** Room for the data the program leaves; defaults to the input's size plus room for growth. */
  dataOutSize?: number;
  /** The context struct (`struct xdp_md`, `struct __sk_buff`, a syscall program's arguments, ...). */
  context?: Uint8Array;
  /** Room for the context the program leaves; defaults to the input context's size where the type returns one. */
  contextOutSize?: number;
  /** Runs the program this many times (the kernel reports the mean duration); 0 or 1 run once. */
  repeat?: number;
  /** `TestRunFlags` bits. */
  flags?: number;
  /** With TestRunFlags.RUN_ON_CPU: the CPU to run on. */
  cpu?: number;
  /** With TestRunFlags.XDP_LIVE_FRAMES: packets per batch. */
  batchSize?: number;
}

export interface TestRunResult {
  /** The program's return value (r0), as the kernel's u32. */
  returnValue: number;
  /** Mean nanoseconds per run, as the kernel measured it (0 for types that don't time their runs). */
  duration: number;
  /** The data as the program left it, when there was data. */
  data?: Uint8Array;
  /** The context as the program left it, when the type returns one. */
  context?: Uint8Array;
}

/** Room added to the input packet by default, for programs that grow it (xdp_adjust_tail, skb_change_tail). */
const DATA_GROWTH_ROOM = 4096;

/**
 * Types whose test run copies the context back through ctx_out. Syscall programs write it back into
 * ctx_in instead, and raw tracepoints and the others refuse ctx_out with EINVAL.
 */
const CONTEXT_OUT_TYPES: ReadonlySet<number> = new Set([
  ProgramType.SocketFilter, ProgramType.SchedCls, ProgramType.SchedAct, ProgramType.CgroupSkb,
  ProgramType.LwtIn, ProgramType.LwtOut, ProgramType.LwtXmit, ProgramType.LwtSeg6Local, ProgramType.Xdp,
  ProgramType.SkLookup, ProgramType.Netfilter,
]);

export function runTest(programFd: number, type: number, options: TestRunOptions): TestRunResult {
  const { data, context } = options;
  if (options.repeat !== undefined && (!Number.isInteger(options.repeat) || options.repeat < 0)) {
    throw new InvalidArgumentError(`repeat must be a non-negative integer, not ${options.repeat}`);
  }
  const dataOutSize = data ? (options.dataOutSize ?? data.length + DATA_GROWTH_ROOM) : (options.dataOutSize ?? 0);
  const contextOutSize = options.contextOutSize ?? (context && CONTEXT_OUT_TYPES.has(type) ? context.length : 0);
  const owned: NativeMemory[] = [];
  const native = (bytes: Uint8Array | number): NativeMemory => {
    const memory = new NativeMemory(typeof bytes === 'number' ? bytes : bytes.length);
    if (typeof bytes !== 'number') memory.bytes.set(bytes);
    owned.push(memory);
    return memory;
  };
  try {
    const dataIn = data ? native(data) : undefined;
    const dataOut = dataOutSize > 0 ? native(dataOutSize) : undefined;
    const ctxIn = context ? native(context) : undefined;
    const ctxOut = contextOutSize > 0 ? native(contextOutSize) : undefined;
    const result = bpf.progTestRun({
      programFd,
      ...(dataIn && data ? { dataIn, dataSizeIn: data.length } : {}),
      ...(dataOut ? { dataOut } : {}),
      ...(ctxIn && context ? { ctxIn, ctxSizeIn: context.length } : {}),
      ...(ctxOut ? { ctxOut } : {}),
      ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
      ...(options.flags !== undefined ? { flags: options.flags } : {}),
      ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
    const out: TestRunResult = { returnValue: result.retval, duration: result.duration };
    if (dataOut) out.data = dataOut.bytes.slice(0, Math.min(result.dataSizeOut, dataOutSize));
    if (ctxOut) out.context = ctxOut.bytes.slice(0, Math.min(result.ctxSizeOut, contextOutSize));
    else if (ctxIn && context && type === ProgramType.Syscall) out.context = ctxIn.bytes.slice(0, context.length);
    return out;
  } finally {
    for (const memory of owned) memory.free();
  }
}
