/**
 * The one raw program load every probe goes through. Probes are thousands of tiny loads (the helper
 * scan alone is ~5 600), so the native buffers are allocated once per process and reused: one
 * instruction buffer, one license string, one log buffer. Every fd a load returns is closed here,
 * before the caller sees the outcome, so a probe can never leak one.
 */
import { bpf, closeRawFd, NativeMemory } from '../sys/index.js';
import { encodeInstructions, type Instruction } from '../asm/index.js';
import { errnoName } from '../errors.js';

/** libbpf's probe log size: enough for the first lines of a refusal, which is all a probe reads. */
const LOG_SIZE = 4096;
/** bpftool's large-program probe loads BPF_MAXINSNS + 1 instructions; the buffer holds that many. */
const MAX_PROBE_INSTRUCTIONS = 4097;

let instructions: NativeMemory | null = null;
let license: NativeMemory | null = null;
let log: NativeMemory | null = null;
const decoder = new TextDecoder();

/** Kernel calls made by the probes, so tests can see that cached answers don't reach the kernel. */
export const probeCounters = { loads: 0, mapCreates: 0, btfLoads: 0 };

export interface ProbeLoadOptions {
  expectedAttachType?: number;
  attachBtfId?: number;
  attachProgramFd?: number;
  kernelVersion?: number;
  flags?: number;
  /** Capture the verifier log (log level 1). */
  withLog?: boolean;
}

export interface ProbeLoadOutcome {
  /** True when the kernel accepted the program (its fd is already closed). */
  loaded: boolean;
  /** 0 when loaded, else the errno. */
  errno: number;
  /** The verifier log when asked for, '' otherwise. */
  log: string;
}

function buffers(): { instructions: NativeMemory; license: NativeMemory; log: NativeMemory } {
  instructions ??= new NativeMemory(MAX_PROBE_INSTRUCTIONS * 8);
  license ??= bpf.cString('GPL');
  log ??= new NativeMemory(LOG_SIZE);
  return { instructions, license, log };
}

/** Copies encoded instructions into the shared buffer; returns how many there are. */
export function setProbeInstructions(program: readonly Instruction[] | Uint8Array): number {
  const bytes = program instanceof Uint8Array ? program : encodeInstructions(program);
  if (bytes.length > MAX_PROBE_INSTRUCTIONS * 8) throw new RangeError(`a probe program has at most ${MAX_PROBE_INSTRUCTIONS} instructions`);
  buffers().instructions.bytes.set(bytes);
  return bytes.length / 8;
}

/** Patches the immediate of instruction `index` in the shared buffer (the helper scan's only change per load). */
export function patchProbeImmediate(index: number, imm: number): void {
  buffers().instructions.view.setInt32(index * 8 + 4, imm, true);
}

/** Loads the `count` instructions last set with setProbeInstructions as a GPL program of `type`. */
export function probeLoad(type: number, count: number, options: ProbeLoadOptions = {}): ProbeLoadOutcome {
  const native = buffers();
  if (options.withLog) native.log.bytes[0] = 0;
  probeCounters.loads++;
  const { result } = bpf.progLoad({
    type,
    instructions: native.instructions,
    instructionCount: count,
    license: native.license,
    logLevel: options.withLog ? 1 : 0,
    log: options.withLog ? native.log : null,
    kernelVersion: options.kernelVersion ?? 0,
    flags: options.flags ?? 0,
    expectedAttachType: options.expectedAttachType ?? 0,
    attachBtfId: options.attachBtfId ?? 0,
    attachProgFd: options.attachProgramFd ?? 0,
  });
  if (result >= 0) closeRawFd(result);
  return { loaded: result >= 0, errno: result >= 0 ? 0 : -result, log: options.withLog ? readLog(native.log.bytes) : '' };
}

function readLog(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(bytes.subarray(0, end < 0 ? bytes.length : end));
}

/** "EPERM with an empty verifier log", "EINVAL: <first log line>": how a refusal reads in a reason. */
export function describeRefusal(outcome: ProbeLoadOutcome): string {
  const name = errnoName(outcome.errno);
  const lines = outcome.log.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^processed \d+ insns/.test(line));
  if (lines.length === 0) return `${name} with an empty verifier log`;
  return `${name}: ${lines[lines.length - 1]}`;
}

/** LINUX_VERSION_CODE of the running kernel, for kprobe loads on kernels that still check kern_version. */
export function runningKernelVersionCode(release: string): number {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!match) return 0;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Math.min(Number(match[3] ?? 0), 255)];
  return (major << 16) + (minor << 8) + patch;
}
