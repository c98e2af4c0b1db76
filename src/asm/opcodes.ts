/**
 * The BPF instruction set's opcode fields (include/uapi/linux/bpf_common.h and bpf.h,
 * Documentation/bpf/standardization/instruction-set.rst). Every other asm file reads opcodes
 * through these names, never through bare numbers.
 */

/** Instruction classes: the low 3 bits of the opcode. */
export const InstructionClass = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;
export type InstructionClass = (typeof InstructionClass)[keyof typeof InstructionClass];

/** Size field of load/store opcodes. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export type Size = (typeof Size)[keyof typeof Size];

/** Mode field of load/store opcodes. NOSPEC is the verifier's own (kernel-internal, seen in xlated dumps). */
export const Mode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0, NOSPEC: 0xc0 } as const;

/** Source field of ALU/JMP opcodes: immediate (K) or register (X). For ALU|END it picks the byte order. */
export const Source = { K: 0x00, X: 0x08, TO_LE: 0x00, TO_BE: 0x08 } as const;

/** ALU operations (high 4 bits). */
export const AluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80,
  MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;
export type AluOp = (typeof AluOp)[keyof typeof AluOp];

/** Jump operations (high 4 bits). JCOND is may_goto's (cpu v4 era, Linux 6.9). */
export const JumpOp = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70, CALL: 0x80,
  EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0, JCOND: 0xe0,
} as const;
export type JumpOp = (typeof JumpOp)[keyof typeof JumpOp];

/**
 * The imm field of STX|ATOMIC instructions. FETCH is a flag on ADD/OR/AND/XOR; XCHG and CMPXCHG always
 * fetch. LOAD_ACQUIRE/STORE_RELEASE (Linux 6.15) share the opcode but are plain ordered accesses.
 */
export const AtomicOp = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0, FETCH: 0x01, XCHG: 0xe1, CMPXCHG: 0xf1,
  LOAD_ACQUIRE: 0x100, STORE_RELEASE: 0x110,
} as const;

/** The offset field's meanings on ALU opcodes that overload it (cpu v4 and arena). */
export const AluOffset = { SIGNED: 1, ADDR_SPACE_CAST: 1 } as const;

/** src_reg of BPF_JMP|BPF_JCOND: the only condition so far. */
export const JumpCondition = { MAY_GOTO: 0 } as const;

/** src_reg of a call: a helper id, a bpf-to-bpf call (imm = relative slot offset), a kfunc (imm = BTF id). */
export const CallSource = { HELPER: 0, PSEUDO_CALL: 1, KFUNC: 2 } as const;

/** src_reg of ld_imm64: what its 64-bit constant means to the loader and verifier. */
export const LoadSource = { CONSTANT: 0, MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6 } as const;

/** Registers r0..r10; r10 is the read-only frame pointer. */
export const Register = { R0: 0, R1: 1, R2: 2, R3: 3, R4: 4, R5: 5, R6: 6, R7: 7, R8: 8, R9: 9, R10: 10 } as const;
export type Register = (typeof Register)[keyof typeof Register];

/** The opcode's fields, by the same masks as BPF_CLASS/BPF_OP/BPF_SRC/BPF_SIZE/BPF_MODE. */
export const opcodeClass = (opcode: number): InstructionClass => (opcode & 0x07) as InstructionClass;
export const opcodeOperation = (opcode: number): number => opcode & 0xf0;
export const opcodeSource = (opcode: number): number => opcode & 0x08;
export const opcodeSize = (opcode: number): Size => (opcode & 0x18) as Size;
export const opcodeMode = (opcode: number): number => opcode & 0xe0;

/** The opcode of ld_imm64, the one instruction that takes two slots. */
export const LOAD_IMM64_OPCODE = InstructionClass.LD | Mode.IMM | Size.DW;

/** Bytes a Size moves. */
export function sizeBytes(size: Size): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B: return 1;
    case Size.H: return 2;
    case Size.W: return 4;
    default: return 8;
  }
}
