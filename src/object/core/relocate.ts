/**
 * relocateCore: resolves every CO-RE relocation of a program against the target BTFs and patches
 * its instructions, as libbpf's bpf_core_apply_relo does for each record of .BTF.ext:
 *
 *  1. the local spec is parsed from the access string (refused when malformed);
 *  2. the local type's candidates are found (candidates.ts), except for local type ids;
 *  3. each candidate is matched (spec.ts); every matching candidate must give the same field offset
 *     and the same value, or the relocation is ambiguous and refused; the matching ones are all the
 *     later relocations of that local type consider (libbpf's pruning);
 *  4. with no match, existence kinds give 0, type kinds give 0, and the rest poison the instruction;
 *  5. the instruction is checked against the local value and patched (patch.ts).
 *
 * Every site is resolved and checked before any instruction changes, so a CoreError leaves the
 * program as it was.
 */
import type { Btf } from '../../btf/btf.js';
import type { CoreRelocation } from '../../btf/ext-records.js';
import { CoreRelocationKind } from '../../btf/ext-records.js';
import { slotIndexes, type Instruction } from '../../asm/instruction.js';
import { TsbpfError } from '../../errors.js';
import { describeType, kindAt } from './btf-walk.js';
import { CoreCandidateCache, type CoreCandidate, type CoreTarget } from './candidates.js';
import { CoreError, CoreHint, CoreProblem } from './core-error.js';
import { patchInstruction } from './patch.js';
import { formatSpec, matchSpec, parseSpec, relocationKindName, type CoreSpec } from './spec.js';
import { relocationValues, type RelocationValues } from './values.js';

/** One relocation against one instruction of a linked program (instructionIndex: into the logical Instruction[]). */
export interface CoreSite {
  instructionIndex: number;
  relocation: CoreRelocation;
}

export interface CoreOutcome {
  site: CoreSite;
  /** 'poisoned': no candidate (or an unsafe access size) where libbpf poisons the instruction. */
  result: 'patched' | 'poisoned';
  /** libbpf-like one line: the local spec, the candidate chosen, and what changed in the instruction. */
  description: string;
}

export interface RelocateCoreOptions {
  /** For messages and descriptions. */
  programName?: string;
  /** Candidate lists to reuse; a fresh one (no pruning carried over) when absent. */
  cache?: CoreCandidateCache;
}

interface Resolution {
  values: RelocationValues;
  localSpec: CoreSpec;
  targetSpec: CoreSpec | undefined;
  candidate: CoreCandidate | undefined;
}

/** The values of one relocation (steps 1-4 above). */
function resolve(local: Btf, relocation: CoreRelocation, targets: readonly CoreTarget[], cache: CoreCandidateCache): Resolution {
  const localId = relocation.typeId;
  kindAt(local, localId);
  let candidates: CoreCandidate[] = [];
  if (relocation.kind !== CoreRelocationKind.TypeIdLocal) {
    if (local.nameOf(localId) === '') {
      throw new CoreProblem(`target candidate search failed for ${describeType(local, localId)}: CO-RE cannot relocate anonymous types`, 'name the type (a struct tag or a typedef) the access starts from');
    }
    candidates = cache.candidatesFor(local, localId, targets);
  }
  const localSpec = parseSpec(local, localId, relocation.accessString, relocation.kind);
  if (relocation.kind === CoreRelocationKind.TypeIdLocal) {
    const id = BigInt(localSpec.rootTypeId);
    return {
      values: { originalValue: id, newValue: id, poison: false, validate: false, failMemorySizeAdjust: false, originalSize: 0, newSize: 0 },
      localSpec, targetSpec: undefined, candidate: undefined,
    };
  }
  let chosen: Resolution | undefined;
  const kept: CoreCandidate[] = [];
  for (const candidate of candidates) {
    const targetSpec = matchSpec(localSpec, candidate.target.btf, candidate.id);
    if (!targetSpec) continue;
    const values = relocationValues(relocation.kind, localSpec, targetSpec, local.littleEndian);
    if (!chosen) {
      chosen = { values, localSpec, targetSpec, candidate };
    } else if (targetSpec.bitOffset !== chosen.targetSpec!.bitOffset) {
      throw new CoreProblem(`field offset ambiguity: ${formatSpec(targetSpec)} in ${candidate.target.name} vs ${formatSpec(chosen.targetSpec!)} in ${chosen.candidate!.target.name}`, CoreHint.ambiguous);
    } else if (values.poison !== chosen.values.poison || values.newValue !== chosen.values.newValue) {
      const decision = (v: RelocationValues) => `${v.poison ? 'failure' : 'success'} ${v.newValue}`;
      throw new CoreProblem(`relocation decision ambiguity: ${decision(values)} (${formatSpec(targetSpec)}) != ${decision(chosen.values)} (${formatSpec(chosen.targetSpec!)})`, CoreHint.ambiguous);
    }
    kept.push(candidate);
  }
  if (chosen) {
    cache.prune(local, localId, kept);
    return chosen;
  }
  return { values: relocationValues(relocation.kind, localSpec, undefined, local.littleEndian), localSpec, targetSpec: undefined, candidate: undefined };
}

function describe(resolution: Resolution, patchText: string): string {
  const local = formatSpec(resolution.localSpec);
  if (resolution.candidate && resolution.targetSpec) {
    return `${local} => ${formatSpec(resolution.targetSpec)} in ${resolution.candidate.target.name}: ${patchText}`;
  }
  if (resolution.localSpec.kind === CoreRelocationKind.TypeIdLocal) return `${local}: ${patchText}`;
  return `${local}: no matching targets found: ${patchText}`;
}

/**
 * Resolves and applies every site to `instructions` (mutated in place), as libbpf's bpf_core_apply_relo.
 * Sites are resolved in the order given (libbpf's record order matters through candidate pruning).
 * A poisoned ld_imm64 (one logical element) becomes two call elements: slot positions (jump offsets,
 * func_info, line_info) stay put, but logical indexes after it grow by one.
 */
export function relocateCore(
  instructions: Instruction[], sites: readonly CoreSite[], local: Btf, targets: readonly CoreTarget[], options: RelocateCoreOptions = {},
): CoreOutcome[] {
  const cache = options.cache ?? new CoreCandidateCache();
  const program = options.programName ?? '';
  const slots = slotIndexes(instructions);
  /** Patched copies by instruction index; applied only once every site succeeded. */
  const working = new Map<number, Instruction[]>();
  const outcomes: CoreOutcome[] = [];
  sites.forEach((site, relocationIndex) => {
    const index = site.instructionIndex;
    const where = { program, instructionIndex: index, relocationIndex, relocationKind: relocationKindName(site.relocation?.kind ?? -1) };
    try {
      if (!Number.isInteger(index) || index < 0 || index >= instructions.length) {
        throw new CoreProblem(`instruction index ${index} is outside the program's ${instructions.length} instructions`, 'pass the index of the relocated instruction in this program\'s Instruction[]');
      }
      const resolution = resolve(local, site.relocation, targets, cache);
      const current = working.get(index) ?? [{ ...instructions[index]! }];
      const patch = patchInstruction(current[0]!, resolution.values, slots[index]!);
      working.set(index, [...patch.replacement, ...current.slice(1)]);
      const prefix = program ? `prog '${program}': ` : '';
      outcomes.push({ site, result: patch.poisoned ? 'poisoned' : 'patched', description: `${prefix}relo #${relocationIndex}: ${describe(resolution, patch.text)}` });
    } catch (error) {
      if (error instanceof CoreError) throw error;
      if (error instanceof TsbpfError) throw new CoreError(where, error.message, error.hint || CoreHint.malformed, error);
      throw new CoreError(where, `internal failure: ${String(error)}`, CoreHint.malformed, error);
    }
  });
  // highest index first, so that a poisoned ld_imm64 (one element becoming two) moves no pending index
  for (const index of [...working.keys()].sort((a, b) => b - a)) {
    const replacement = working.get(index)!;
    const original = instructions[index]!;
    if (replacement.length === 1) {
      const patched = replacement[0]!;
      original.opcode = patched.opcode;
      original.dst = patched.dst;
      original.src = patched.src;
      original.offset = patched.offset;
      original.imm = patched.imm;
      if (patched.nextImm === undefined) delete original.nextImm;
      else original.nextImm = patched.nextImm;
    } else {
      instructions.splice(index, 1, ...replacement);
    }
  }
  return outcomes;
}
