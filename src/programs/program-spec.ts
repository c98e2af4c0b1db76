/** What a program is made of before it reaches the kernel: the arguments of BPF_PROG_LOAD, typed. */
import type { Instruction } from '../asm/index.js';
import type { AttachType } from './attach-types.js';
import type { ProgramType } from './program-types.js';

/** Raw BTF.ext records (func_info or line_info) and their record size, as the object loader produces them. */
export interface BtfExtRecords {
  records: Uint8Array;
  recordSize: number;
}

export interface ProgramSpec {
  type: ProgramType;
  /** Encoded instructions (8 bytes each, little-endian) or instruction objects to encode. */
  instructions: Uint8Array | readonly Instruction[];
  /** Defaults to 'GPL'; GPL-only helpers need a GPL-compatible license. */
  license?: string;
  /** Up to 15 characters of [A-Za-z0-9_.]; longer names are cut, as the kernel would. */
  name?: string;
  expectedAttachType?: AttachType;
  /** BTF type id of the attach target (tracing, lsm, ext, struct_ops). */
  attachBtfId?: number;
  /** BTF object holding attachBtfId when it is not vmlinux (a module's BTF). */
  attachBtfObjFd?: number;
  /** Target program for freplace (ext) and fentry/fexit on BPF programs. */
  attachProgFd?: number;
  /** `ProgramFlags` bits (sleepable, xdp frags, ...). */
  flags?: number;
  /** Only kernels before 5.0 check it, for kprobes. */
  kernelVersion?: number;
  /** Offload or bind to this device. */
  ifindex?: number;
  /** The program's BTF, needed with funcInfo/lineInfo. */
  btfFd?: number;
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  /**
   * Verifier log level (`LogLevel` bits). When set, the log is always captured into `Program.verifierLog`;
   * when not, the load runs without a log and retries with one only if the verifier refuses the program.
   */
  logLevel?: number;
  /** First log buffer size in bytes; it grows as needed. */
  logSize?: number;
  /** File descriptors of maps and BTF objects referenced by index from the instructions. */
  fdArray?: number[];
}
