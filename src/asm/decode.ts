/** Bytes to instructions, checked: every problem is an InstructionError naming its byte offset. */
import { instructionProblem } from './classify.js';
import type { ByteOrder } from './encode.js';
import { INSTRUCTION_BYTES, type Instruction } from './instruction.js';
import { InstructionError } from './instruction-error.js';
import { LOAD_IMM64_OPCODE } from './opcodes.js';

export interface DecodeOptions {
  /** 'big' for clang -target bpfeb objects. Default 'little'. */
  byteOrder?: ByteOrder;
  /**
   * Unknown opcodes throw by default. With `false` they come back as raw instructions (a disassembler
   * prints them as unknown), so a dump of a newer kernel's program still reads. A truncated ld_imm64
   * always throws: there is no sensible way to go on.
   */
  strict?: boolean;
}

/**
 * Decodes a program. ld_imm64 comes back as one logical Instruction with `nextImm`, so the result can be
 * shorter than the slot count; slotIndexes() maps list positions to slots.
 */
export function decodeInstructions(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  const little = (options.byteOrder ?? 'little') === 'little';
  const strict = options.strict ?? true;
  if (bytes.byteLength % INSTRUCTION_BYTES !== 0) {
    throw new InstructionError(bytes.byteLength - (bytes.byteLength % INSTRUCTION_BYTES), `${bytes.byteLength % INSTRUCTION_BYTES} trailing bytes do not make a whole 8-byte instruction`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (at: number): Instruction => {
    const registers = view.getUint8(at + 1);
    return {
      opcode: view.getUint8(at),
      dst: little ? registers & 0xf : registers >> 4,
      src: little ? registers >> 4 : registers & 0xf,
      offset: view.getInt16(at + 2, little),
      imm: view.getInt32(at + 4, little),
    };
  };
  const instructions: Instruction[] = [];
  for (let at = 0; at < bytes.byteLength; at += INSTRUCTION_BYTES) {
    const insn = read(at);
    if (insn.opcode === LOAD_IMM64_OPCODE) {
      const next = at + INSTRUCTION_BYTES;
      if (next >= bytes.byteLength) throw new InstructionError(at, 'ld_imm64 needs a second slot but the program ends');
      const second = read(next);
      if (second.opcode !== 0 || second.dst !== 0 || second.src !== 0 || second.offset !== 0) {
        throw new InstructionError(next, `the second slot of ld_imm64 must be zero apart from imm (opcode 0x${second.opcode.toString(16)}, dst ${second.dst}, src ${second.src}, offset ${second.offset})`);
      }
      insn.nextImm = second.imm;
      at = next;
    } else if (strict) {
      const problem = instructionProblem(insn);
      if (problem !== undefined) throw new InstructionError(at, problem);
    }
    instructions.push(insn);
  }
  return instructions;
}
