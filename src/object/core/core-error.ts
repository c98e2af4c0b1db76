/**
 * CO-RE failures. `CoreError` is what callers see: which program, which instruction, which relocation
 * and why, as libbpf refuses the whole object when one relocation can't be resolved or applied.
 * `CoreProblem` is the engine's internal signal (a reason without a site); relocateCore turns it into a
 * CoreError once it knows the site.
 */
import { TsbpfError } from '../../errors.js';

export class CoreError extends TsbpfError {
  /** The program whose instruction carries the relocation ('' when the caller gave no name). */
  readonly program: string;
  /** Index into the caller's logical Instruction[]. */
  readonly instructionIndex: number;
  /** Index of the relocation in the sites the caller passed (libbpf's "relo #N"). */
  readonly relocationIndex: number;
  /** libbpf's name for the relocation kind (byte_off, type_exists, ...). */
  readonly relocationKind: string;
  /** What went wrong, without the site. */
  readonly reason: string;

  constructor(site: { program: string; instructionIndex: number; relocationIndex: number; relocationKind: string }, reason: string, hint: string, cause?: unknown) {
    const program = site.program ? `program '${site.program}': ` : '';
    super(`CO-RE ${program}relo #${site.relocationIndex} (${site.relocationKind}) at instruction ${site.instructionIndex}: ${reason}`, hint, cause === undefined ? undefined : { cause });
    this.program = site.program;
    this.instructionIndex = site.instructionIndex;
    this.relocationIndex = site.relocationIndex;
    this.relocationKind = site.relocationKind;
    this.reason = reason;
  }
}

/** Hints shared by the engine's refusals. */
export const CoreHint = {
  malformed: 'the object\'s .BTF.ext CO-RE record is malformed: rebuild the object with clang -g -O2 -target bpf',
  ambiguous: 'several target types match the local type with different results: give the local type a flavor (struct name___x) that matches only one, or drop the ambiguous access',
  instruction: 'the instruction at the relocation is not one CO-RE can patch, or no longer holds the value clang put there: relocate the object\'s instructions before any other rewriting',
  unsupported: 'this relocation cannot be satisfied against the target BTF: check the local type definition against the kernel\'s (vmlinux.h) or guard the access with bpf_core_field_exists()',
} as const;

/** A reason the engine refuses a relocation, before the site is known. */
export class CoreProblem extends TsbpfError {
  constructor(reason: string, hint: string = CoreHint.unsupported) {
    super(reason, hint);
  }
}
