/**
 * The BPF instruction set's opcode fields (include/uapi/linux/bpf_common.h and bpf.h,
 * Documentation/bpf/standardization/instruction-set.rst). The objects issue builds the full
 * decoder, encoder and disassembler on these.
 */

/** Instruction classes: the low 3 bits of the opcode. */
export const InstructionClass = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;

/** Size field of load/store opcodes. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Mode field of load/store opcodes. */
export const Mode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** Source field of ALU/JMP opcodes: immediate (K) or register (X). */
export const Source = { K: 0x00, X: 0x08 } as const;

/** ALU operations (high 4 bits). */
export const AluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80,
  MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;

/** Jump operations (high 4 bits). */
export const JumpOp = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70, CALL: 0x80,
  EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0,
} as const;

/** Registers r0..r10; r10 is the read-only frame pointer. */
export const Register = { R0: 0, R1: 1, R2: 2, R3: 3, R4: 4, R5: 5, R6: 6, R7: 7, R8: 8, R9: 9, R10: 10 } as const;
export type Register = (typeof Register)[keyof typeof Register];
