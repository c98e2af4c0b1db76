/**
 * A prepared program: one program of an object, taken once through everything the loader does before
 * the kernel (CO-RE relocation, linking subprograms, BTF fix-ups, the attach target's BTF id) and kept
 * in its load-ready form, so each `load()` is BTF_LOAD (when asked for) plus BPF_PROG_LOAD and nothing
 * else. For a caller that loads the same small program again and again (the owners iterator, read on
 * every listing) the object work costs more than the kernel's.
 *
 * Only self-contained programs qualify: no maps, global data or externs (their fds and values belong to
 * one load, which is what `loadObject` is for), and an attach target in vmlinux, not a module.
 */
import { encodeInstructions } from '../asm/encode.js';
import { linkProgram } from '../object/link-program.js';
import type { ObjectSpec } from '../object/object-spec.js';
import { TsbpfError } from '../errors.js';
import { Program } from '../programs/program.js';
import type { ProgramSpec } from '../programs/program-spec.js';
import type { ProgramType } from '../programs/program-types.js';
import type { FileDescriptor } from '../sys/index.js';
import { findAttachBtfId } from './attach-btf.js';
import { kernelBtf } from './kernel-btf.js';
import { relocateSections } from './load-object.js';
import { loadBtfBytes, objectBtfBytes } from './object-btf.js';

export interface PrepareProgramOptions {
  /**
   * Load the object's BTF with the program (func_info and line_info, so `prog dump xlated linum` and
   * `prog list` show the C side). Default true; false skips BTF_LOAD, which for an object built against
   * vmlinux.h is most of the kernel's work (it checks every type the object copied from vmlinux).
   * Ignored for a program with subprograms: the verifier needs func_info for bpf-to-bpf calls.
   */
  btf?: boolean;
  /** A BTF file to relocate CO-RE against instead of /sys/kernel/btf/vmlinux. */
  targetBtf?: string;
}

/** One load of a prepared program: the program and, when loaded with BTF, the BTF object it holds. */
export class PreparedLoad implements Disposable {
  constructor(readonly program: Program, readonly btf: FileDescriptor | undefined) {}

  close(): void {
    this.program.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export class PreparedProgram {
  readonly #spec: ProgramSpec;
  readonly #btf: Uint8Array | undefined;
  readonly #objectName: string;

  /** @internal use prepareProgram(). */
  constructor(spec: ProgramSpec, btf: Uint8Array | undefined, objectName: string) {
    this.#spec = spec;
    this.#btf = btf;
    this.#objectName = objectName;
  }

  get name(): string {
    return this.#spec.name ?? '';
  }

  /** The relocated, linked instructions as the kernel gets them. */
  get instructions(): Uint8Array {
    return this.#spec.instructions as Uint8Array;
  }

  /** Whether `load()` loads the object's BTF with the program. */
  get withBtf(): boolean {
    return this.#btf !== undefined;
  }

  /** Loads the program (and its BTF first, when prepared with it); a refusal throws as `Program.load` does. */
  load(): PreparedLoad {
    if (!this.#btf) return new PreparedLoad(Program.load(this.#spec), undefined);
    const btf = loadBtfBytes(this.#btf, `object '${this.#objectName}'`);
    try {
      return new PreparedLoad(Program.load({ ...this.#spec, btfFd: btf.value }), btf);
    } catch (error) {
      btf.close();
      throw error;
    }
  }
}

/** Prepares program `name` of `spec` for repeated loads (see the module comment for what qualifies). */
export function prepareProgram(spec: ObjectSpec, name: string, options: PrepareProgramOptions = {}): PreparedProgram {
  const program = spec.programs.find((p) => p.name === name);
  if (!program) throw new TsbpfError(`object '${spec.name}' has no program '${name}'`, `its programs: ${spec.programs.map((p) => p.name).join(', ') || 'none'}`);
  const unsupported = (why: string) => new TsbpfError(`program '${name}' of object '${spec.name}' cannot be prepared: ${why}`, 'load it with loadObject(), which creates what each load needs');
  // the object loader's CO-RE pass for this one program: its own function and .text, on copies
  const relocated = relocateSections(spec, [program], () => kernelBtf(options.targetBtf), options.targetBtf !== undefined);
  const linked = linkProgram(spec, program, (section) => relocated.get(section) ?? section.instructions);
  if (linked.references.length > 0) {
    const kinds = [...new Set(linked.references.map((r) => r.reference.kind))].join(', ');
    throw unsupported(`it refers to ${kinds} (${linked.references.map((r) => r.reference.symbol).slice(0, 3).join(', ')})`);
  }
  let attachBtfId: number | undefined;
  if (program.definition.flags.attachBtf) {
    const found = findAttachBtfId(program, [kernelBtf()]);
    if (found.btfIndex !== 0) throw unsupported('its attach target is in a kernel module');
    attachBtfId = found.typeId;
  }
  // the verifier needs func_info for bpf-to-bpf calls, so a program with subprograms keeps its BTF
  const withBtf = (options.btf !== false || linked.layout.length > 1) && linked.funcInfo.length > 0;
  const btf = withBtf ? objectBtfBytes(spec) : undefined;
  const programSpec: ProgramSpec = {
    type: program.programType as ProgramType,
    instructions: encodeInstructions(linked.instructions),
    license: spec.license,
    name: program.name,
    expectedAttachType: program.expectedAttachType as never,
    ...(program.flags ? { flags: program.flags } : {}),
    ...(spec.kernelVersion ? { kernelVersion: spec.kernelVersion } : {}),
    ...(attachBtfId !== undefined ? { attachBtfId } : {}),
    ...(btf ? {
      funcInfo: { records: records(linked.funcInfo.map((f) => [f.instruction, f.typeId]), 2), recordSize: 8 },
      lineInfo: { records: records(linked.lineInfo.map((l) => [l.instruction, l.fileNameOffset, l.lineOffset, l.lineColumn]), 4), recordSize: 16 },
    } : {}),
  };
  return new PreparedProgram(programSpec, btf, spec.name);
}

function records(values: readonly number[][], fields: number): Uint8Array {
  const words = new Uint32Array(values.length * fields);
  values.forEach((record, i) => record.forEach((value, j) => { words[i * fields + j] = value; }));
  return new Uint8Array(words.buffer);
}

