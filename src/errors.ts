/**
 * Every error tsbpf throws is a TsbpfError, so callers can `instanceof` one class and read `hint`,
 * a sentence telling the user what to do about it. The CLI prints `message; hint` on one line.
 */
import { ERRNO_NAMES } from './sys/abi.js';
import type { VerifierReport } from './programs/verifier-report.js';

export class TsbpfError extends Error {
  /** What the user can do about it, in one sentence; empty when there is nothing to add. */
  readonly hint: string;
  constructor(message: string, hint = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** Errno numbers by name, for comparisons that read well (`err.errno === Errno.ENOENT`). */
export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, ENXIO: 6, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14,
  EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, E2BIG: 7, ERANGE: 34, ENOSYS: 38,
  EOPNOTSUPP: 95, ENOTSUPP: 524,
} as const;

/** A system call failed; `errno` and `syscall` say which and how. */
export class SystemError extends TsbpfError {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  constructor(syscall: string, errno: number, hint = '', detail = '') {
    super(`${syscall} failed: ${errnoName(errno)} (${describeErrno(errno)})${detail ? `: ${detail}` : ''}`, hint);
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
  }
}

/** A bpf(2) command failed. `command` is the BPF_* name, `code` the errno name. */
export class BpfError extends SystemError {
  readonly command: string;
  constructor(command: string, errno: number, hint = '', detail = '') {
    super(`BPF_${command}`, errno, hint || defaultHint(command, errno), detail);
    this.command = `BPF_${command}`;
  }
}

/** The verifier refused a program; `log` is its whole log. */
export class VerifierError extends BpfError {
  readonly log: string;
  /** Set when the log buffer could not hold the whole log even at its largest size. */
  readonly truncated: boolean;
  constructor(errno: number, log: string, truncated: boolean, programName: string) {
    const last = lastLogLine(log);
    super('PROG_LOAD', errno, verifierHint(errno, log), `${programName ? `program ${programName}: ` : ''}${last || 'the kernel gave no log'}`);
    this.log = log;
    this.truncated = truncated;
  }

  /** The log read as data (failing instruction, reason, C source), once a loader attaches it. */
  report?: VerifierReport;

  /**
   * Attaches the explained log (programs/verifier-report.ts `explainVerifierLog(error.log, lineInfo)`);
   * when it found the C source, the message then ends with its location (`at file.c:42:9`).
   */
  attachReport(report: VerifierReport): this {
    this.#messageWithoutSource ??= this.message;
    this.report = report;
    const source = report.source;
    this.message = source
      ? `${this.#messageWithoutSource} at ${source.file}:${source.line}${source.column ? `:${source.column}` : ''}`
      : this.#messageWithoutSource;
    return this;
  }

  #messageWithoutSource: string | undefined;
}

/** An object was used after close(). */
export class ClosedError extends TsbpfError {
  constructor(what: string) {
    super(`${what} is closed`, 'do not use an object after close() or the end of its `using` block');
  }
}

/** A caller passed a value the API can't use (wrong key size, bad option). Nothing reached the kernel. */
export class InvalidArgumentError extends TsbpfError {}

/** The kernel lacks something tsbpf needs; `feature` names it and `reason` says what the probe found. */
export class NotSupportedError extends TsbpfError {
  readonly feature: string;
  constructor(feature: string, reason: string, hint = 'use a kernel that has it, or skip this feature') {
    super(`${feature} is not supported by this kernel: ${reason}`, hint);
    this.feature = feature;
  }
}

function describeErrno(errno: number): string {
  const descriptions: Record<number, string> = {
    1: 'operation not permitted', 2: 'no such file, entry or object', 3: 'no such process', 4: 'interrupted',
    7: 'argument list too long', 9: 'bad file descriptor', 11: 'try again', 12: 'out of memory',
    13: 'permission denied', 14: 'bad address', 16: 'busy', 17: 'already exists', 19: 'no such device',
    22: 'invalid argument', 28: 'no space left', 34: 'out of range', 38: 'not implemented',
    95: 'not supported', 524: 'not supported',
  };
  return descriptions[errno] ?? 'system error';
}

/** The attribute each command most likely got wrong when the kernel says E2BIG or EINVAL. */
const SUSPECT_ATTRIBUTES: Record<string, string> = {
  MAP_CREATE: 'map_type, key_size, value_size, max_entries or map_flags (a combination this map type or kernel does not accept)',
  MAP_LOOKUP_ELEM: 'flags, or a key of the wrong size',
  MAP_UPDATE_ELEM: 'flags (ANY/NOEXIST/EXIST/LOCK) or a value this map type does not accept',
  MAP_DELETE_ELEM: 'the map type (arrays cannot delete)',
  MAP_LOOKUP_AND_DELETE_ELEM: 'the map type or flags',
  MAP_LOOKUP_BATCH: 'count, elem_flags or the batch token',
  MAP_UPDATE_BATCH: 'count or elem_flags',
  MAP_DELETE_BATCH: 'count or elem_flags',
  PROG_LOAD: 'prog_type, expected_attach_type, attach_btf_id or prog_flags',
  PROG_TEST_RUN: 'data_in/ctx_in sizes or flags (not every program type supports test runs)',
  OBJ_GET_INFO_BY_FD: 'info_len or a pointer member of the info struct',
  OBJ_PIN: 'pathname (it must be inside a bpffs mount, and bpffs refuses names with a dot)',
  OBJ_GET: 'pathname or file_flags',
  BTF_LOAD: 'the BTF blob',
  ENABLE_STATS: 'type',
  LINK_CREATE: 'attach_type or target_fd',
};

function defaultHint(command: string, errno: number): string {
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return 'run as root, or grant CAP_BPF (plus CAP_PERFMON for tracing, CAP_NET_ADMIN for networking, CAP_SYS_ADMIN for the rest)';
    case Errno.E2BIG:
      return `the kernel refused an attribute it does not know or a size too large: check ${SUSPECT_ATTRIBUTES[command] ?? 'the attribute sizes'}`;
    case Errno.EINVAL:
      return `check ${SUSPECT_ATTRIBUTES[command] ?? 'the attributes'}`;
    case Errno.ENOENT:
      return command.endsWith('_BY_ID') ? 'no object has that id (it may have been unloaded)' : 'no such element or object';
    case Errno.EBADF:
      return 'the file descriptor is not a BPF object of the right kind';
    case Errno.ENOMEM:
      return 'the kernel could not allocate memory for it: use fewer entries, or raise RLIMIT_MEMLOCK on kernels before 5.11';
    case Errno.EOPNOTSUPP:
    case Errno.ENOTSUPP:
      return 'this kernel does not support the operation for this object type';
    default:
      return '';
  }
}

function verifierHint(errno: number, log: string): string {
  if (errno === Errno.EPERM && log.trim() === '') {
    return 'the kernel refused this program type or attach point without a log: run as root or grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN for some types), or the kernel lacks support for it (BPF trampolines, lsm)';
  }
  if (errno === Errno.ENOSPC) return 'the verifier log was too large even at its maximum size';
  return 'read the verifier log (error.log) from the end: the last lines say which instruction was refused and why';
}

function lastLogLine(log: string): string {
  const lines = log.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('processed '));
  return lines.at(-1) ?? '';
}

/**
 * Malformed input to a pure parser (ELF, BTF, BTF.ext, instructions): `offset` is the byte where the
 * problem was found, so a user can look at it with a hex dump.
 */
export class ParseError extends TsbpfError {
  readonly offset: number;
  constructor(what: string, offset: number, problem: string, hint = 'the file is truncated, corrupt or not what it claims to be') {
    super(`${what}: ${problem} at byte offset ${offset} (0x${offset.toString(16)})`, hint);
    this.offset = offset;
  }
}
