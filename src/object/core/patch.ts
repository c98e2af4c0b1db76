/**
 * Applying a resolved relocation to its instruction (libbpf's bpf_core_patch_insn): the immediate of
 * an ALU/ALU64 instruction with a constant operand, the offset (and, when the field's size changed
 * safely, the access size) of a load or store, or the 64-bit constant of an ld_imm64. Before
 * patching, the instruction must still hold the value clang computed for the local type, or the
 * object and its BTF disagree and the relocation is refused.
 *
 * A relocation that can't be satisfied poisons its instruction instead: it becomes a call to helper
 * 0xbad2310 ("bad relo"), which the verifier ignores in dead code and reports otherwise ("invalid func
 * unknown#195896080") at that instruction. An ld_imm64 becomes two such calls, so the slot count stays.
 */
import type { Instruction } from '../../asm/instruction.js';
import {
  InstructionClass, JumpOp, LOAD_IMM64_OPCODE, Source, opcodeClass, opcodeMode, opcodeSize, opcodeSource, sizeBytes, Size,
} from '../../asm/opcodes.js';
import { CoreHint, CoreProblem } from './core-error.js';
import type { RelocationValues } from './values.js';

/** libbpf's poison immediate: 0xbad2310, "bad relo". */
export const CORE_POISON_IMMEDIATE = 0xbad2310;

export interface PatchResult {
  /** What replaces the instruction: one element, or two calls for a poisoned ld_imm64. */
  replacement: Instruction[];
  poisoned: boolean;
  /** libbpf's debug line for what was done, e.g. `patched insn #7 (LDX/ST/STX) off 8 -> 2368`. */
  text: string;
}

const SHORT_MAX = 0x7fff;

function poisonInstruction(): Instruction {
  return { opcode: InstructionClass.JMP | JumpOp.CALL, dst: 0, src: 0, offset: 0, imm: CORE_POISON_IMMEDIATE };
}

function sizeCode(bytes: number): number | undefined {
  switch (bytes) {
    case 8: return Size.DW;
    case 4: return Size.W;
    case 2: return Size.H;
    case 1: return Size.B;
    default: return undefined;
  }
}

function poison(insn: Instruction, slot: number): PatchResult {
  if (insn.opcode === LOAD_IMM64_OPCODE) {
    if (insn.nextImm === undefined) throw new CoreProblem(`ld_imm64 at insn #${slot} has its second slot as a separate element; pass logical instructions`, CoreHint.instruction);
    return { replacement: [poisonInstruction(), poisonInstruction()], poisoned: true, text: `substituting insn #${slot} w/ invalid insn` };
  }
  return { replacement: [poisonInstruction()], poisoned: true, text: `substituting insn #${slot} w/ invalid insn` };
}

/** Patches (a copy of) `insn`, whose first slot is `slot` in the program; throws CoreProblem where libbpf refuses. */
export function patchInstruction(insn: Instruction, values: RelocationValues, slot: number): PatchResult {
  if (values.poison) return poison(insn, slot);
  const { originalValue, newValue } = values;
  const patched: Instruction = { ...insn };
  switch (opcodeClass(insn.opcode)) {
    case InstructionClass.ALU: case InstructionClass.ALU64: {
      if (opcodeSource(insn.opcode) !== Source.K) throw new CoreProblem(`insn #${slot} (ALU/ALU64) has a register operand, not an immediate`, CoreHint.instruction);
      if (values.validate && BigInt.asUintN(64, BigInt(insn.imm)) !== originalValue) {
        throw new CoreProblem(`unexpected insn #${slot} (ALU/ALU64) value: got ${insn.imm >>> 0}, exp ${originalValue} -> ${newValue}`, CoreHint.instruction);
      }
      patched.imm = Number(BigInt.asIntN(32, newValue));
      return { replacement: [patched], poisoned: false, text: `patched insn #${slot} (ALU/ALU64) imm ${BigInt.asUintN(64, BigInt(insn.imm))} -> ${newValue}` };
    }
    case InstructionClass.LDX: case InstructionClass.ST: case InstructionClass.STX: {
      if (values.validate && BigInt.asUintN(64, BigInt(insn.offset)) !== originalValue) {
        throw new CoreProblem(`unexpected insn #${slot} (LDX/ST/STX) value: got ${insn.offset & 0xffff}, exp ${originalValue} -> ${newValue}`, CoreHint.instruction);
      }
      if (newValue > BigInt(SHORT_MAX)) throw new CoreProblem(`insn #${slot} (LDX/ST/STX) value too big: ${newValue}`, CoreHint.unsupported);
      if (values.failMemorySizeAdjust) {
        // reading a field of another size would give a wrong value: libbpf poisons rather than patch
        const result = poison(insn, slot);
        return { ...result, text: `insn #${slot} (LDX/ST/STX) accesses field incorrectly; ${result.text}` };
      }
      patched.offset = Number(newValue);
      let text = `patched insn #${slot} (LDX/ST/STX) off ${BigInt.asUintN(64, BigInt(insn.offset))} -> ${newValue}`;
      if (values.newSize !== values.originalSize) {
        const bytes = sizeBytes(opcodeSize(insn.opcode));
        if (bytes !== values.originalSize) throw new CoreProblem(`insn #${slot} (LDX/ST/STX) unexpected mem size: got ${bytes}, exp ${values.originalSize}`, CoreHint.instruction);
        const code = sizeCode(values.newSize);
        if (code === undefined) throw new CoreProblem(`insn #${slot} (LDX/ST/STX) invalid new mem size: ${values.newSize}`, CoreHint.unsupported);
        patched.opcode = opcodeMode(insn.opcode) | code | opcodeClass(insn.opcode);
        text += `; mem_sz ${values.originalSize} -> ${values.newSize}`;
      }
      return { replacement: [patched], poisoned: false, text };
    }
    case InstructionClass.LD: {
      if (insn.opcode !== LOAD_IMM64_OPCODE || insn.src !== 0 || insn.offset !== 0 || insn.nextImm === undefined) {
        throw new CoreProblem(`insn #${slot} (LDIMM64) has unexpected form`, CoreHint.instruction);
      }
      const constant = (BigInt(insn.nextImm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      if (values.validate && constant !== originalValue) {
        throw new CoreProblem(`unexpected insn #${slot} (LDIMM64) value: got ${constant}, exp ${originalValue} -> ${newValue}`, CoreHint.instruction);
      }
      patched.imm = Number(BigInt.asIntN(32, newValue));
      patched.nextImm = Number(BigInt.asIntN(32, newValue >> 32n));
      return { replacement: [patched], poisoned: false, text: `patched insn #${slot} (LDIMM64) imm64 ${constant} -> ${newValue}` };
    }
    default:
      throw new CoreProblem(`trying to relocate unrecognized insn #${slot}, code:0x${insn.opcode.toString(16)}, src:0x${insn.src.toString(16)}, dst:0x${insn.dst.toString(16)}, off:0x${(insn.offset & 0xffff).toString(16)}, imm:0x${(insn.imm >>> 0).toString(16)}`, CoreHint.instruction);
  }
}
