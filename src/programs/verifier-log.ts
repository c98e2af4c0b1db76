/**
 * Loading with the verifier log, libbpf's way: a first attempt with no log (the verifier is faster
 * without one), and only when it refuses, a retry with a log buffer that grows until the whole log
 * fits, so the VerifierError carries all of it. The kernel keeps the tail of an overflowing log and
 * answers ENOSPC (even for a program it accepts); from 6.4 it also says how large the log really is
 * (log_true_size), which sizes the next buffer in one step. Older kernels get doubling.
 */
import { explainVerifierLog } from './verifier-report.js';
import { abi, bpf, NativeMemory } from '../sys/index.js';
import { Errno, VerifierError } from '../errors.js';
import { readCString } from '../info/object-info.js';

/** The first buffer when the caller names none: most refusals of small programs fit. */
export const DEFAULT_LOG_SIZE = 64 * 1024;
/** The largest log every kernel accepts (older ones cap log_size at UINT32_MAX >> 8). */
export const MAX_LOG_SIZE = 0xffffffff >>> 8;
/** The kernel refuses log buffers smaller than this. */
const MIN_LOG_SIZE = 128;

/** BPF_PROG_LOAD's attributes except the log, which this module owns. */
export type LoadAttributes = Omit<bpf.ProgLoadAttributes, 'log' | 'logLevel'>;

export interface LoadOutcome {
  fd: number;
  /** The log, when one was captured (always when logLevel was asked for). */
  log: string;
}

export interface LogOptions {
  /** Capture the log even on success, at this level. */
  logLevel?: number;
  logSize?: number;
  programName: string;
}

const EAGAIN_RETRIES = 5;

/** BPF_PROG_LOAD as this module calls it; tests substitute a kernel of another version. */
export type ProgLoad = (attributes: bpf.ProgLoadAttributes) => bpf.ProgLoadResult;

/** Loads the program; throws VerifierError with the whole log when the kernel refuses it. */
export function loadWithLog(attributes: LoadAttributes, options: LogOptions, load: ProgLoad = bpf.progLoad): LoadOutcome {
  // the verifier gives up with EAGAIN when a signal is pending (a profiler, a child exiting): libbpf retries
  const progLoad: ProgLoad = (a) => {
    let outcome = load(a);
    for (let retry = 0; retry < EAGAIN_RETRIES && outcome.result === -Errno.EAGAIN; retry++) outcome = load(a);
    return outcome;
  };
  if (!options.logLevel) {
    const fast = progLoad({ ...attributes, log: null, logLevel: 0 });
    if (fast.result >= 0) return { fd: fast.result, log: '' };
  }
  const level = options.logLevel || abi.LogLevel.BRANCH;
  let size = clampLogSize(options.logSize ?? DEFAULT_LOG_SIZE);
  for (;;) {
    const log = new NativeMemory(size);
    try {
      const attempt = progLoad({ ...attributes, log, logLevel: level });
      const text = readCString(log.bytes);
      if (attempt.result >= 0) return { fd: attempt.result, log: text };
      const errno = -attempt.result;
      if (errno !== Errno.ENOSPC || size >= MAX_LOG_SIZE) {
        // the kernel's own `; source @ file:line` annotations locate it even before a loader adds line_info
        throw new VerifierError(errno, text, errno === Errno.ENOSPC, options.programName).attachReport(explainVerifierLog(text));
      }
      size = clampLogSize(attempt.logTrueSize > size ? attempt.logTrueSize : size * 2);
    } finally {
      log.free();
    }
  }
}

function clampLogSize(size: number): number {
  return Math.min(Math.max(size, MIN_LOG_SIZE), MAX_LOG_SIZE);
}
