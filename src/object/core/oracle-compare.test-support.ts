/**
 * Test helper: relocates every (sub)program of an object with relocateCore, the way libbpf walks
 * them (one candidate cache for the object, .BTF.ext order, stop at the first refusal), and compares
 * each relocated instruction with what libbpf did to it: its debug lines ("patched insn #I ... off A
 * -> B", "substituting insn #I w/ invalid insn", failures) and, for main programs, the instruction
 * libbpf finally holds (bpf_program__insns).
 */
import { slotIndexes, type Instruction } from '../../asm/instruction.js';
import { LOAD_IMM64_OPCODE, opcodeClass, opcodeMode, Size } from '../../asm/opcodes.js';
import { CoreCandidateCache, type CoreTarget } from './candidates.js';
import { CoreError } from './core-error.js';
import { readCoreObject, type CoreObject } from './core-object.test-support.js';
import { relocationKey, runOracle, type OracleRun, type OracleSlot } from './libbpf-oracle.test-support.js';
import { CORE_POISON_IMMEDIATE } from './patch.js';
import { relocateCore, type CoreOutcome } from './relocate.js';

export interface SiteResult {
  program: string;
  relocation: number;
  slot: number;
  original: Instruction;
  /** Our instruction's slots at the site (two for ld_imm64 or a poisoned one). */
  ours: OracleSlot[];
  outcome: CoreOutcome['result'] | 'failed';
  /** Our one-line description (absent when refused). */
  description?: string;
  error?: CoreError;
}

export interface Comparison {
  oracle: OracleRun;
  sites: SiteResult[];
  /** One line per disagreement; empty when tsbpf did what libbpf did. */
  mismatches: string[];
  /** How many sites each outcome had (ours). */
  counts: Record<string, number>;
}

function toSlots(instructions: readonly Instruction[]): OracleSlot[] {
  const slots: OracleSlot[] = [];
  for (const insn of instructions) {
    slots.push({ opcode: insn.opcode, dst: insn.dst, src: insn.src, offset: insn.offset, imm: insn.imm });
    if (insn.opcode === LOAD_IMM64_OPCODE && insn.nextImm !== undefined) slots.push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: insn.nextImm });
  }
  return slots;
}

const sizeCodes: Record<number, number> = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW };
const show = (slot: OracleSlot | undefined) => (slot ? `{code 0x${slot.opcode.toString(16)} dst ${slot.dst} src ${slot.src} off ${slot.offset} imm ${slot.imm}}` : 'nothing');
const same = (a: OracleSlot | undefined, b: OracleSlot | undefined) => !!a && !!b && a.opcode === b.opcode && a.dst === b.dst && a.src === b.src && a.offset === b.offset && a.imm === b.imm;

/** Relocates `object` against `targets` with tsbpf (as the loader will: one cache for the object). */
export function relocateObject(object: CoreObject, targets: readonly CoreTarget[], cache = new CoreCandidateCache()): SiteResult[] {
  cache.beginLoad();
  const results: SiteResult[] = [];
  for (const program of object.programs) {
    if (program.sites.length === 0) continue;
    const instructions = program.instructions.map((insn) => ({ ...insn }));
    const originalSlots = slotIndexes(program.instructions);
    const record = (outcomes: CoreOutcome[] | undefined, error?: CoreError) => {
      // slots of our result: a poisoned ld_imm64 became two elements, so walk the slot layout
      const slots = toSlots(instructions);
      program.sites.forEach((site, i) => {
        if (error && i > error.relocationIndex) return;
        const slot = originalSlots[site.instructionIndex]!;
        const original = program.instructions[site.instructionIndex]!;
        const wide = original.opcode === LOAD_IMM64_OPCODE;
        results.push({
          program: program.name, relocation: program.relocationNumbers[i]!, slot, original,
          ours: slots.slice(slot, slot + (wide ? 2 : 1)),
          outcome: error && i === error.relocationIndex ? 'failed' : outcomes ? outcomes[i]!.result : 'patched',
          ...(outcomes ? { description: outcomes[i]!.description } : {}),
          ...(error && i === error.relocationIndex ? { error } : {}),
        });
      });
    };
    try {
      record(relocateCore(instructions, program.sites, object.btf, targets, { programName: program.name, cache }));
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      // like libbpf: the first refusal ends the object's relocation
      record(undefined, error);
      break;
    }
  }
  return results;
}

/** Runs libbpf and tsbpf on the object file at `path` (its bytes `bytes`) and lists every disagreement. */
export function compareWithLibbpf(path: string, bytes: Uint8Array, targets: readonly CoreTarget[], customBtfPath?: string): Comparison {
  const object = readCoreObject(bytes);
  const oracle = runOracle(path, customBtfPath);
  const sites = relocateObject(object, targets);
  const mismatches: string[] = [];
  const counts: Record<string, number> = {};
  for (const site of sites) {
    counts[site.outcome] = (counts[site.outcome] ?? 0) + 1;
    const key = relocationKey(site.program, site.relocation);
    const theirs = oracle.relocations.get(key);
    const where = `${key} (insn #${site.slot})`;
    if (!theirs || theirs.outcome === undefined) {
      mismatches.push(`${where}: libbpf said nothing about it (ours: ${site.outcome}${site.error ? `: ${site.error.message}` : ''})`);
      continue;
    }
    if (theirs.outcome === 'failed' || site.outcome === 'failed') {
      if (theirs.outcome !== site.outcome) mismatches.push(`${where}: libbpf ${theirs.outcome} (${theirs.lines.join(' | ')}), ours ${site.outcome}${site.error ? `: ${site.error.message}` : ''}`);
      continue;
    }
    if (theirs.slot !== site.slot) mismatches.push(`${where}: libbpf patched insn #${theirs.slot}`);
    // our description repeats libbpf's spec lines: the local spec, and the candidate that was chosen
    const chosen = theirs.lines.find((line) => line.startsWith('matching candidate #'))?.replace(/^matching candidate #\d+ /, '');
    for (const spec of [theirs.lines[0]!, ...(chosen ? [chosen] : [])]) {
      if (!site.description?.includes(spec)) mismatches.push(`${where}: libbpf's "${spec}" is not in ours "${site.description}"`);
    }
    // what libbpf's lines say the instruction became
    const expected: OracleSlot[] = [];
    const original = site.original;
    if (theirs.outcome === 'poisoned') {
      const call = { opcode: 0x85, dst: 0, src: 0, offset: 0, imm: CORE_POISON_IMMEDIATE };
      expected.push(call);
      if (original.opcode === LOAD_IMM64_OPCODE) expected.push({ ...call });
    } else {
      const first: OracleSlot = { opcode: original.opcode, dst: original.dst, src: original.src, offset: original.offset, imm: original.imm };
      if (theirs.offset !== undefined) first.offset = theirs.offset;
      if (theirs.memorySize !== undefined) first.opcode = opcodeMode(original.opcode) | sizeCodes[theirs.memorySize]! | opcodeClass(original.opcode);
      if (theirs.imm !== undefined) first.imm = Number(BigInt.asIntN(32, theirs.imm));
      expected.push(first);
      if (original.opcode === LOAD_IMM64_OPCODE) {
        const value = theirs.imm64 ?? ((BigInt(original.nextImm! >>> 0) << 32n) | BigInt(original.imm >>> 0));
        first.imm = Number(BigInt.asIntN(32, value));
        expected.push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, value >> 32n)) });
      }
    }
    if (theirs.outcome !== site.outcome) mismatches.push(`${where}: libbpf ${theirs.outcome}, ours ${site.outcome}`);
    expected.forEach((slot, i) => {
      if (!same(slot, site.ours[i])) mismatches.push(`${where}: slot ${i}: libbpf's log says ${show(slot)}, ours ${show(site.ours[i])} (${theirs.lines.join(' | ')})`);
    });
    // the instruction libbpf finally holds, for main programs (subprograms are appended elsewhere)
    const final = oracle.programs.get(site.program);
    if (final && final.length > 0) {
      expected.forEach((_, i) => {
        if (!same(final[site.slot + i], site.ours[i])) mismatches.push(`${where}: slot ${i}: libbpf's program holds ${show(final[site.slot + i])}, ours ${show(site.ours[i])}`);
      });
    }
  }
  // relocations libbpf reported that we never attempted
  const ours = new Set(sites.map((site) => relocationKey(site.program, site.relocation)));
  for (const [key, theirs] of oracle.relocations) {
    if (!ours.has(key) && theirs.outcome !== undefined) mismatches.push(`${key}: libbpf ${theirs.outcome} it, tsbpf never reached it`);
  }
  return { oracle, sites, mismatches, counts };
}
