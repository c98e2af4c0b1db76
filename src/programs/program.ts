/**
 * A loaded BPF program: one owned fd plus what it is. Loading goes through the verifier-log policy
 * (verifier-log.ts); everything else is a thin, typed wrapper of one bpf(2) command.
 */
import { encodeInstructions, INSTRUCTION_BYTES } from '../asm/index.js';
import { InvalidArgumentError } from '../errors.js';
import { programInfo, type ProgramInfo } from '../info/program-info.js';
import { bpf, ensureBpffsFor, FdOwner, FileDescriptor, NativeMemory } from '../sys/index.js';
import { validatePinPath } from './pin-path.js';
import type { BtfExtRecords, ProgramSpec } from './program-spec.js';
import { programTypeName, type ProgramType } from './program-types.js';
import { runTest, type TestRunOptions, type TestRunResult } from './program-test-run.js';
import { loadWithLog } from './verifier-log.js';

/** The kernel keeps 15 characters of a name (BPF_OBJ_NAME_LEN less the NUL) and allows only these. */
const NAME_PATTERN = /^[A-Za-z0-9_.]*$/;
const MAX_NAME_LENGTH = 15;

export class Program extends FdOwner {
  readonly type: ProgramType;
  /** The name as the kernel holds it (at most 15 characters). */
  readonly name: string;
  /** The verifier's log when the spec asked for one (logLevel), else empty. */
  readonly verifierLog: string;
  #id = 0;
  #tag = '';

  private constructor(fd: FileDescriptor, type: ProgramType, name: string, verifierLog: string) {
    super(fd);
    this.type = type;
    this.name = name;
    this.verifierLog = verifierLog;
  }

  /** Loads a program; throws VerifierError, with the whole verifier log, when the kernel refuses it. */
  static load(spec: ProgramSpec): Program {
    const bytes = spec.instructions instanceof Uint8Array ? spec.instructions : encodeInstructions(spec.instructions);
    if (bytes.length === 0 || bytes.length % INSTRUCTION_BYTES !== 0) {
      throw new InvalidArgumentError(`a program needs a whole number of 8-byte instructions, got ${bytes.length} bytes`);
    }
    const name = (spec.name ?? '').slice(0, MAX_NAME_LENGTH);
    if (!NAME_PATTERN.test(name)) {
      throw new InvalidArgumentError(`program name ${JSON.stringify(spec.name)} has characters the kernel refuses`, 'use letters, digits, _ and . only');
    }
    if (spec.attachBtfObjFd !== undefined && spec.attachProgFd !== undefined) {
      // One attribute holds both (a union in bpf_attr): the target is either a BTF object or a program.
      throw new InvalidArgumentError('attachBtfObjFd and attachProgFd are exclusive', 'give the BTF object of a module target, or the target program, not both');
    }
    const owned: NativeMemory[] = [];
    const native = (data: Uint8Array): NativeMemory => {
      const memory = new NativeMemory(data.length);
      memory.bytes.set(data);
      owned.push(memory);
      return memory;
    };
    const records = (ext: BtfExtRecords | undefined, what: string) => {
      if (!ext) return undefined;
      if (ext.recordSize <= 0 || ext.records.length % ext.recordSize !== 0) {
        throw new InvalidArgumentError(`${what} is ${ext.records.length} bytes, not a whole number of ${ext.recordSize}-byte records`);
      }
      return { records: native(ext.records), recordSize: ext.recordSize, count: ext.records.length / ext.recordSize };
    };
    try {
      const funcInfo = records(spec.funcInfo, 'funcInfo');
      const lineInfo = records(spec.lineInfo, 'lineInfo');
      const fdArray = spec.fdArray ? native(new Uint8Array(Int32Array.from(spec.fdArray).buffer)) : undefined;
      const { fd, log } = loadWithLog({
        type: spec.type,
        instructions: native(bytes),
        instructionCount: bytes.length / INSTRUCTION_BYTES,
        license: native(new TextEncoder().encode(`${spec.license ?? 'GPL'}\0`)),
        ...(spec.kernelVersion !== undefined ? { kernelVersion: spec.kernelVersion } : {}),
        ...(spec.flags !== undefined ? { flags: spec.flags } : {}),
        ...(name ? { name } : {}),
        ...(spec.ifindex !== undefined ? { ifindex: spec.ifindex } : {}),
        ...(spec.expectedAttachType !== undefined ? { expectedAttachType: spec.expectedAttachType } : {}),
        ...(spec.btfFd !== undefined ? { btfFd: spec.btfFd } : {}),
        ...(funcInfo ? { funcInfo } : {}),
        ...(lineInfo ? { lineInfo } : {}),
        ...(spec.attachBtfId !== undefined ? { attachBtfId: spec.attachBtfId } : {}),
        ...(spec.attachBtfObjFd !== undefined ? { attachBtfObjFd: spec.attachBtfObjFd } : {}),
        ...(spec.attachProgFd !== undefined ? { attachProgFd: spec.attachProgFd } : {}),
        ...(fdArray ? { fdArray } : {}),
      }, {
        ...(spec.logLevel ? { logLevel: spec.logLevel } : {}),
        ...(spec.logSize !== undefined ? { logSize: spec.logSize } : {}),
        programName: name,
      });
      return new Program(new FileDescriptor(fd, describe(spec.type, name)), spec.type, name, log);
    } finally {
      for (const memory of owned) memory.free();
    }
  }

  /** Opens the program with kernel id `id`. */
  static fromId(id: number): Program {
    return Program.fromFd(new FileDescriptor(bpf.getFdById('PROG', id), `program ${id}`));
  }

  /** Opens the program pinned at `path` on a bpffs mount. */
  static fromPinned(path: string): Program {
    return Program.fromFd(new FileDescriptor(bpf.objGet(path), `program pinned at ${path}`));
  }

  /** Takes ownership of `fd`, an open program, and reads what it is from the kernel. */
  static fromFd(fd: FileDescriptor): Program {
    let info: ProgramInfo;
    try {
      info = programInfo(fd.value);
    } catch (error) {
      fd.close();
      throw error;
    }
    const program = new Program(fd, info.type as ProgramType, info.name, '');
    program.#id = info.id;
    program.#tag = info.tag;
    return program;
  }

  /** The kernel's id for the program (stable while it is loaded). */
  get id(): number {
    if (this.#id === 0) this.#readIdentity();
    return this.#id;
  }

  /** The kernel's hash of the program, 16 hex digits as bpftool prints it. */
  get tag(): string {
    if (this.#tag === '') this.#readIdentity();
    return this.#tag;
  }

  #readIdentity(): void {
    const info = programInfo(this.fd.value);
    this.#id = info.id;
    this.#tag = info.tag;
  }

  /** Runs the program in the kernel on the given input without attaching it. */
  testRun(options: TestRunOptions = {}): TestRunResult {
    return runTest(this.fd.value, this.type, options);
  }

  /** Pins the program at `path` on a bpffs mount, so it outlives this process; unlink the path to unpin. */
  pin(path: string): void {
    validatePinPath(path);
    ensureBpffsFor(path);
    bpf.objPin(this.fd.value, path);
  }

  info(): ProgramInfo {
    return programInfo(this.fd.value);
  }
}

function describe(type: number, name: string): string {
  return `${programTypeName(type)} program${name ? ` ${name}` : ''}`;
}
