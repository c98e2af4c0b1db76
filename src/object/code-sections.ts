/**
 * The code of an object: each executable section decoded into instructions, its functions (programs and
 * subprograms) and every instruction's relocation classified the way libbpf classifies it
 * (bpf_program__record_reloc, read for the facts): a call or address of a subprogram, a map, a data
 * section, or an extern. The linker and the loader act on these; nothing here touches the kernel.
 */
import { decodeInstructions, isWideInstruction, slotIndexes, type Instruction } from '../asm/index.js';
import { CallSource, InstructionClass, JumpOp, LOAD_IMM64_OPCODE, LoadSource } from '../asm/opcodes.js';
import { INSTRUCTION_BYTES } from '../asm/instruction.js';
import { SectionIndex, SymbolBinding, SymbolType, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/index.js';
import { ObjectError } from './object-error.js';

/** A function of a code section: a program's entry or a subprogram, in slots of its section. */
export interface CodeFunction {
  name: string;
  section: CodeSection;
  /** First slot (8-byte instruction) in the section, and the slot count. */
  start: number;
  length: number;
  global: boolean;
}

/** What one instruction's relocation refers to. */
export type CodeReference =
  /** A bpf-to-bpf call; `target` is the callee's first slot in .text. */
  | { kind: 'call'; target: number; symbol: string }
  /** ld_imm64 of a subprogram's address (BPF_PSEUDO_FUNC: callbacks, function pointers). */
  | { kind: 'function-address'; target: number; symbol: string }
  /** ld_imm64 of a map: the map's index among the object's user maps (`.maps` or legacy `maps`). */
  | { kind: 'map'; section: string; symbolOffset: number; symbol: string }
  /** ld_imm64 of an address in a data section; the final offset is the instruction's imm plus symbolOffset. */
  | { kind: 'data'; section: string; symbolOffset: number; symbol: string }
  /** ld_imm64 of an extern variable, or a call of an extern function (a kfunc). */
  | { kind: 'extern'; symbol: string; call: boolean };

export interface CodeSection {
  index: number;
  name: string;
  /** File offset of the section's bytes, for errors. */
  fileOffset: number;
  /** Logical instructions (ld_imm64 as one). */
  instructions: readonly Instruction[];
  /** The logical index of each slot (-1 for the second half of an ld_imm64), plus the slot count at the end. */
  slotToIndex: Int32Array;
  /** Slot of each logical instruction, plus the slot count at the end. */
  indexToSlot: readonly number[];
  /** Functions in slot order. */
  functions: CodeFunction[];
  /** Relocated instructions by slot. */
  references: Map<number, CodeReference>;
}

const CALL_OPCODE = InstructionClass.JMP | JumpOp.CALL;

export function isCallInstruction(insn: Instruction): boolean {
  return insn.opcode === CALL_OPCODE;
}

export function isSubprogramCall(insn: Instruction): boolean {
  return insn.opcode === CALL_OPCODE && insn.src === CallSource.PSEUDO_CALL;
}

export function isFunctionAddress(insn: Instruction): boolean {
  return insn.opcode === LOAD_IMM64_OPCODE && insn.src === LoadSource.FUNC;
}

/** The sections holding data that libbpf turns into array maps: .data*, .rodata*, .bss*. */
export function isDataSectionName(name: string): boolean {
  return /^\.(data|rodata|bss)(\.|$)/.test(name);
}

/** Decodes every executable section; `textIndex` is .text's section index (0 when there is none). */
export function readCodeSections(elf: ElfFile, isCode: (section: ElfSection) => boolean, mapSections: ReadonlySet<number>): CodeSection[] {
  const text = elf.sectionByName('.text');
  const textIndex = text && isCode(text) ? text.index : 0;
  const sections: CodeSection[] = [];
  for (const section of elf.sections) {
    if (!isCode(section) || section.size === 0) continue;
    const instructions = decodeSection(elf, section);
    const indexToSlot = slotIndexes(instructions);
    const slotToIndex = new Int32Array(indexToSlot.at(-1)! + 1).fill(-1);
    indexToSlot.forEach((slot, index) => { slotToIndex[slot] = index; });
    const code: CodeSection = { index: section.index, name: section.name, fileOffset: section.offset, instructions, slotToIndex, indexToSlot, functions: [], references: new Map() };
    code.functions = functionsOf(elf, section, code);
    for (const relocation of elf.relocationsFor(section)) {
      const slot = Number(relocation.offset) / INSTRUCTION_BYTES;
      const at = section.offset + Number(relocation.offset);
      if (!Number.isInteger(slot) || slotToIndex[slot] === undefined || slotToIndex[slot]! < 0) {
        throw new ObjectError(at, `section '${section.name}': relocation at byte ${relocation.offset} is not at an instruction`);
      }
      const insn = instructions[slotToIndex[slot]!]!;
      code.references.set(slot, classify(elf, code, insn, relocation.symbol, textIndex, mapSections, at));
    }
    sections.push(code);
  }
  return sections;
}

function decodeSection(elf: ElfFile, section: ElfSection): Instruction[] {
  try {
    return decodeInstructions(section.data, { byteOrder: elf.littleEndian ? 'little' : 'big', strict: false });
  } catch (error) {
    if (error instanceof ObjectError) throw error;
    const offset = (error as { offset?: number }).offset ?? 0;
    throw new ObjectError(section.offset + offset, `section '${section.name}': ${(error as Error).message}`);
  }
}

function functionsOf(elf: ElfFile, section: ElfSection, code: CodeSection): CodeFunction[] {
  const symbols = elf.symbolsInSection(section).filter((symbol) => symbol.type === SymbolType.Func);
  const functions = symbols.map((symbol): CodeFunction => {
    const start = Number(symbol.value) / INSTRUCTION_BYTES;
    const length = symbol.size / INSTRUCTION_BYTES;
    const slots = code.slotToIndex.length - 1;
    if (!Number.isInteger(start) || !Number.isInteger(length) || length === 0 || start + length > slots) {
      throw new ObjectError(section.offset, `section '${section.name}': function '${symbol.name}' (offset ${symbol.value}, size ${symbol.size}) is not whole instructions inside the section`);
    }
    return { name: symbol.name, section: code, start, length, global: symbol.binding !== SymbolBinding.Local };
  });
  return functions.sort((a, b) => a.start - b.start);
}

function classify(elf: ElfFile, code: CodeSection, insn: Instruction, symbol: ElfSymbol | undefined, textIndex: number, mapSections: ReadonlySet<number>, at: number): CodeReference {
  const name = symbol?.name || (symbol ? elf.sections[symbol.sectionIndex]?.name ?? '' : '');
  const call = isCallInstruction(insn);
  if (!call && !isWideInstruction(insn)) {
    throw new ObjectError(at, `section '${code.name}': relocation against '${name}' at an instruction with opcode 0x${insn.opcode.toString(16)}, not ld_imm64 or call`, 'the object is damaged or not from clang -target bpf');
  }
  if (!symbol) throw new ObjectError(at, `section '${code.name}': relocation without a symbol`);
  if (symbol.sectionIndex === SectionIndex.Undefined) {
    if (call && insn.src !== CallSource.PSEUDO_CALL) throw new ObjectError(at, `section '${code.name}': extern '${name}' is called with an incorrect call opcode`);
    return { kind: 'extern', symbol: name, call };
  }
  if (call) {
    if (insn.src !== CallSource.PSEUDO_CALL) throw new ObjectError(at, `section '${code.name}': relocation against '${name}' at a helper call`);
    if (symbol.sectionIndex !== textIndex) {
      throw new ObjectError(at, `section '${code.name}': call to '${name}' in section '${elf.sections[symbol.sectionIndex]?.name ?? symbol.sectionIndex}', but subprograms must be in .text`, 'make the callee a plain (non-SEC) function');
    }
    const value = Number(symbol.value);
    if (value % INSTRUCTION_BYTES !== 0) throw new ObjectError(at, `section '${code.name}': call target '${name}' is not at an instruction boundary`);
    // a global callee's symbol is the function (imm -1); a static one is .text's section symbol with imm pointing at it
    return { kind: 'call', target: value / INSTRUCTION_BYTES + insn.imm + 1, symbol: name };
  }
  if (symbol.sectionIndex >= SectionIndex.LoReserve) {
    throw new ObjectError(at, `section '${code.name}': relocation against '${name}' in a special section; forgot to initialize a global variable?`);
  }
  const isSubprogram = symbol.sectionIndex === textIndex && (symbol.type === SymbolType.Func || symbol.type === SymbolType.Section);
  if (isSubprogram) {
    const value = Number(symbol.value);
    if (value % INSTRUCTION_BYTES !== 0 || insn.imm % INSTRUCTION_BYTES !== 0) throw new ObjectError(at, `section '${code.name}': address of '${name}' is not at an instruction boundary`);
    return { kind: 'function-address', target: (value + insn.imm) / INSTRUCTION_BYTES, symbol: name };
  }
  const target = elf.sections[symbol.sectionIndex];
  if (!target) throw new ObjectError(at, `section '${code.name}': relocation against '${name}' in missing section ${symbol.sectionIndex}`);
  if (mapSections.has(target.index)) return { kind: 'map', section: target.name, symbolOffset: Number(symbol.value), symbol: name };
  if (isDataSectionName(target.name)) return { kind: 'data', section: target.name, symbolOffset: Number(symbol.value), symbol: name };
  throw new ObjectError(at, `section '${code.name}': relocation against '${name}' in section '${target.name}', which is neither maps nor data`, 'globals must live in .data, .rodata or .bss (or their .name variants); maps in .maps');
}
