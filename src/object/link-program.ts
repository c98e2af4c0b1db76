/**
 * Linking one program: its entry function followed by every subprogram it reaches, appended in the
 * order libbpf appends them (depth first, at the first call that needs each: bpf_object__reloc_code),
 * call and function-address immediates rewritten to the new layout, and func_info/line_info rebased
 * to it. Matching libbpf's layout is what makes the kernel's xlated dump identical. Pure.
 */
import { slotIndexes, type Instruction } from '../asm/instruction.js';
import { LoadSource } from '../asm/opcodes.js';
import type { LineInfo } from '../btf/ext-records.js';
import { isFunctionAddress, isSubprogramCall, type CodeFunction, type CodeReference, type CodeSection } from './code-sections.js';
import { ObjectError } from './object-error.js';
import type { ObjectProgramSpec, ObjectSpec } from './object-spec.js';

/** A relocated instruction of the linked program that the loader still has to fill in (a map, data, an extern). */
export interface LinkedReference {
  /** Index into LinkedProgram.instructions. */
  index: number;
  reference: Exclude<CodeReference, { kind: 'call' } | { kind: 'function-address' }>;
}

export interface LinkedFuncInfo {
  /** Instruction (slot) index in the linked program. */
  instruction: number;
  typeId: number;
}

export interface LinkedProgram {
  instructions: Instruction[];
  references: LinkedReference[];
  funcInfo: LinkedFuncInfo[];
  /** line_info with `instruction` rebased to the linked program's slots. */
  lineInfo: LineInfo[];
  /** The functions in the order they were laid out, with their first slot. */
  layout: { function: CodeFunction; slot: number }[];
}

/**
 * Links `program`. `instructionsOf` gives each section's instructions as the loader wants them linked
 * (after CO-RE relocation); they are copied, never changed.
 */
export function linkProgram(spec: ObjectSpec, program: ObjectProgramSpec, instructionsOf: (section: CodeSection) => readonly Instruction[] = (s) => s.instructions): LinkedProgram {
  const out: Instruction[] = [];
  const references: LinkedReference[] = [];
  const layout: { function: CodeFunction; slot: number }[] = [];
  const placed = new Map<CodeFunction, { slot: number; index: number }>();
  let slots = 0;

  // CO-RE poisoning can turn one ld_imm64 into two instructions: index a relocated copy by its own slots
  const slotMaps = new Map<CodeSection, { source: readonly Instruction[]; slotToIndex: Int32Array; indexToSlot: readonly number[] }>();
  const layoutOf = (section: CodeSection) => {
    let found = slotMaps.get(section);
    if (!found) {
      const source = instructionsOf(section);
      if (source === section.instructions) found = { source, slotToIndex: section.slotToIndex, indexToSlot: section.indexToSlot };
      else {
        const indexToSlot = slotIndexes(source);
        const slotToIndex = new Int32Array(indexToSlot.at(-1)! + 1).fill(-1);
        indexToSlot.forEach((slot, index) => { slotToIndex[slot] = index; });
        found = { source, slotToIndex, indexToSlot };
      }
      slotMaps.set(section, found);
    }
    return found;
  };

  const append = (fn: CodeFunction): void => {
    const section = fn.section;
    const { source, slotToIndex } = layoutOf(section);
    const first = slotToIndex[fn.start]!;
    const last = slotToIndex[fn.start + fn.length]!;
    placed.set(fn, { slot: slots, index: out.length });
    layout.push({ function: fn, slot: slots });
    for (let i = first; i < last; i++) out.push({ ...source[i]! });
    slots += fn.length;
    relocate(fn);
  };

  const relocate = (fn: CodeFunction): void => {
    const section = fn.section;
    const { slot: base, index: baseIndex } = placed.get(fn)!;
    const { slotToIndex, indexToSlot } = layoutOf(section);
    const first = slotToIndex[fn.start]!;
    const last = slotToIndex[fn.start + fn.length]!;
    for (let i = first; i < last; i++) {
      const sectionSlot = indexToSlot[i]!;
      const outIndex = baseIndex + (i - first);
      const insn = out[outIndex]!;
      const reference = section.references.get(sectionSlot);
      const isCall = isSubprogramCall(insn);
      // clang emits a callback's address as a plain ld_imm64 against .text; the kernel wants BPF_PSEUDO_FUNC
      if (reference?.kind === 'function-address') insn.src = LoadSource.FUNC;
      if (!isCall && !isFunctionAddress(insn)) {
        if (reference && reference.kind !== 'call' && reference.kind !== 'function-address') references.push({ index: outIndex, reference });
        continue;
      }
      if (reference?.kind === 'extern') {
        references.push({ index: outIndex, reference });
        continue;
      }
      if (reference && reference.kind !== 'call' && reference.kind !== 'function-address') {
        throw new ObjectError(section.fileOffset + sectionSlot * 8, `program '${program.name}': instruction ${sectionSlot} of '${section.name}' calls through a ${reference.kind} relocation`);
      }
      // without a relocation, a call is relative to its own place (only possible inside .text)
      const target = reference ? reference.target : sectionSlot + insn.imm + 1;
      const targetSection = reference || section.name === '.text' ? textSection(spec) : undefined;
      const callee = targetSection?.functions.find((f) => target >= f.start && target < f.start + f.length);
      if (!callee) {
        throw new ObjectError(section.fileOffset + sectionSlot * 8, `program '${program.name}': ${isCall ? 'call' : 'function address'} at instruction ${sectionSlot} of '${section.name}' targets .text instruction ${target}, which is in no function`, 'subprograms must be functions in .text');
      }
      if (!placed.has(callee)) append(callee);
      insn.imm = placed.get(callee)!.slot + (target - callee.start) - (base + (sectionSlot - fn.start)) - 1;
    }
  };

  append(program.function);
  return { instructions: out, references, funcInfo: funcInfo(spec, layout), lineInfo: lineInfo(spec, layout), layout };
}

function textSection(spec: ObjectSpec): CodeSection | undefined {
  return spec.codeSections.find((section) => section.name === '.text');
}

function funcInfo(spec: ObjectSpec, layout: readonly { function: CodeFunction; slot: number }[]): LinkedFuncInfo[] {
  if (!spec.btfExt) return [];
  const result: LinkedFuncInfo[] = [];
  for (const { function: fn, slot } of layout) {
    const records = spec.btfExt.funcInfo.find((s) => s.section === fn.section.name)?.records ?? [];
    for (const record of records) {
      if (record.instruction >= fn.start && record.instruction < fn.start + fn.length) result.push({ instruction: record.instruction - fn.start + slot, typeId: record.typeId });
    }
  }
  return result;
}

function lineInfo(spec: ObjectSpec, layout: readonly { function: CodeFunction; slot: number }[]): LineInfo[] {
  if (!spec.btfExt) return [];
  const result: LineInfo[] = [];
  for (const { function: fn, slot } of layout) {
    const records = spec.btfExt.lineInfo.find((s) => s.section === fn.section.name)?.records ?? [];
    for (const record of records) {
      if (record.instruction >= fn.start && record.instruction < fn.start + fn.length) {
        const instruction = record.instruction - fn.start + slot;
        result.push({ ...record, instruction, insnOffset: instruction * 8 });
      }
    }
  }
  return result;
}
