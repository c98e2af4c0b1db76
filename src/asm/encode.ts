/** Instructions to bytes. */
import { INSTRUCTION_BYTES, slotCount, type Instruction } from './instruction.js';

export type ByteOrder = 'little' | 'big';

/**
 * Encodes instructions, little-endian by default (every BPF target tsbpf loads into); 'big' writes what
 * clang -target bpfeb emits, where the register byte holds dst in its high nibble. A logical ld_imm64
 * writes both of its slots.
 */
export function encodeInstructions(instructions: readonly Instruction[], byteOrder: ByteOrder = 'little'): Uint8Array {
  let slots = 0;
  for (const insn of instructions) slots += slotCount(insn);
  const bytes = new Uint8Array(slots * INSTRUCTION_BYTES);
  const view = new DataView(bytes.buffer);
  const little = byteOrder === 'little';
  let at = 0;
  const write = (opcode: number, dst: number, src: number, offset: number, imm: number) => {
    view.setUint8(at, opcode);
    view.setUint8(at + 1, little ? ((src & 0xf) << 4) | (dst & 0xf) : ((dst & 0xf) << 4) | (src & 0xf));
    view.setInt16(at + 2, offset, little);
    view.setInt32(at + 4, imm, little);
    at += INSTRUCTION_BYTES;
  };
  for (const insn of instructions) {
    write(insn.opcode, insn.dst, insn.src, insn.offset, insn.imm);
    if (slotCount(insn) === 2) write(0, 0, 0, 0, insn.nextImm ?? 0);
  }
  return bytes;
}
