/**
 * The instruction model and its primitive constructors. A slot is 8 bytes: opcode, dst:4|src:4
 * registers, a signed 16-bit offset, a signed 32-bit immediate. `ld_imm64` takes two slots; the decoder
 * returns it as one logical Instruction whose `nextImm` holds the second slot's immediate, so a program is
 * a list of logical instructions while jump offsets, call offsets and kernel instruction indexes all
 * count slots (see slotCount/slotIndexes).
 */
import { AluOp, AtomicOp, CallSource, InstructionClass, JumpOp, LOAD_IMM64_OPCODE, LoadSource, Mode, Size, Source, type Register } from './opcodes.js';

export interface Instruction {
  opcode: number;
  dst: number;
  src: number;
  /** Signed 16 bits: a jump offset in slots, a memory offset in bytes, or a cpu v4 modifier. */
  offset: number;
  /** Signed 32 bits. */
  imm: number;
  /**
   * ld_imm64 as one logical instruction: the second slot's immediate (the constant's high 32 bits, or the
   * offset into a map value). Absent on a raw first slot whose second slot follows as its own element,
   * the form the foundation's constructors (loadImm64, loadMapFd) produce.
   */
  nextImm?: number;
}

export const INSTRUCTION_BYTES = 8;

/** True for a logical ld_imm64 (both slots in one Instruction). */
export function isWideInstruction(insn: Instruction): boolean {
  return insn.opcode === LOAD_IMM64_OPCODE && insn.nextImm !== undefined;
}

/** Slots an instruction occupies when encoded: 2 for a logical ld_imm64, else 1. */
export function slotCount(insn: Instruction): 1 | 2 {
  return isWideInstruction(insn) ? 2 : 1;
}

/** The slot index of each instruction in a list, plus the total slot count as the last element. */
export function slotIndexes(instructions: readonly Instruction[]): number[] {
  const slots: number[] = [];
  let slot = 0;
  for (const insn of instructions) {
    slots.push(slot);
    slot += slotCount(insn);
  }
  slots.push(slot);
  return slots;
}

/** The 64-bit constant of a logical ld_imm64 (imm as the low 32 bits, nextImm as the high), unsigned. */
export function constant64(insn: Instruction): bigint {
  return (BigInt(insn.nextImm ?? 0) << 32n | BigInt(insn.imm >>> 0)) & 0xffff_ffff_ffff_ffffn;
}

const make = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction => ({ opcode, dst, src, offset, imm });

// --- ALU ---------------------------------------------------------------------------------------------

type AluName = keyof typeof AluOp;
/** dst op= imm, 64-bit (ALU64|op|K). */
export const alu64Imm = (op: AluName, dst: Register, imm: number) => make(InstructionClass.ALU64 | AluOp[op] | Source.K, dst, 0, 0, imm);
/** dst op= src, 64-bit (ALU64|op|X). */
export const alu64Reg = (op: AluName, dst: Register, src: Register) => make(InstructionClass.ALU64 | AluOp[op] | Source.X, dst, src, 0, 0);
/** wdst op= imm, 32-bit (ALU|op|K); the upper half of dst is zeroed. */
export const alu32Imm = (op: AluName, dst: Register, imm: number) => make(InstructionClass.ALU | AluOp[op] | Source.K, dst, 0, 0, imm);
/** wdst op= wsrc, 32-bit (ALU|op|X). */
export const alu32Reg = (op: AluName, dst: Register, src: Register) => make(InstructionClass.ALU | AluOp[op] | Source.X, dst, src, 0, 0);

/** dst = imm (64-bit move). */
export const mov64Imm = (dst: Register, imm: number) => alu64Imm('MOV', dst, imm);
/** dst = src (64-bit move). */
export const mov64Reg = (dst: Register, src: Register) => alu64Reg('MOV', dst, src);
/** dst += imm (64-bit). */
export const add64Imm = (dst: Register, imm: number) => alu64Imm('ADD', dst, imm);
/** dst = -dst. */
export const neg64 = (dst: Register) => make(InstructionClass.ALU64 | AluOp.NEG | Source.K, dst, 0, 0, 0);
/** Signed dst s/= src or dst s%= src (cpu v4: DIV/MOD with offset 1). */
export const signedDivMod64Reg = (op: 'DIV' | 'MOD', dst: Register, src: Register) => make(InstructionClass.ALU64 | AluOp[op] | Source.X, dst, src, 1, 0);
export const signedDivMod64Imm = (op: 'DIV' | 'MOD', dst: Register, imm: number) => make(InstructionClass.ALU64 | AluOp[op] | Source.K, dst, 0, 1, imm);
/** dst = (s8|s16|s32)src, sign-extending move (cpu v4: MOV|X with offset 8/16/32). */
export const movSignExtend64 = (bits: 8 | 16 | 32, dst: Register, src: Register) => make(InstructionClass.ALU64 | AluOp.MOV | Source.X, dst, src, bits, 0);
export const movSignExtend32 = (bits: 8 | 16, dst: Register, src: Register) => make(InstructionClass.ALU | AluOp.MOV | Source.X, dst, src, bits, 0);
/** dst = le16/le32/le64 dst or be16/... (ALU|END; to_le/to_be). */
export const endian = (order: 'le' | 'be', bits: 16 | 32 | 64, dst: Register) => make(InstructionClass.ALU | AluOp.END | (order === 'be' ? Source.TO_BE : Source.TO_LE), dst, 0, 0, bits);
/** dst = bswap16/32/64 dst, unconditional byte swap (cpu v4: ALU64|END). */
export const byteSwap = (bits: 16 | 32 | 64, dst: Register) => make(InstructionClass.ALU64 | AluOp.END | Source.K, dst, 0, 0, bits);
/** dst = addr_space_cast(src, dstAddressSpace, srcAddressSpace) (arena pointers, Linux 6.9). */
export const addressSpaceCast = (dst: Register, src: Register, dstAddressSpace: number, srcAddressSpace: number) =>
  make(InstructionClass.ALU64 | AluOp.MOV | Source.X, dst, src, 1, ((dstAddressSpace & 0xffff) << 16 | (srcAddressSpace & 0xffff)) | 0);

// --- memory ------------------------------------------------------------------------------------------

type SizeName = keyof typeof Size;
/** *(size *)(dst + offset) = imm. */
export const storeImm = (size: SizeName, dst: Register, offset: number, imm: number) => make(InstructionClass.ST | Mode.MEM | Size[size], dst, 0, offset, imm);
/** *(size *)(dst + offset) = src. */
export const storeReg = (size: SizeName, dst: Register, src: Register, offset: number) => make(InstructionClass.STX | Mode.MEM | Size[size], dst, src, offset, 0);
/** dst = *(size *)(src + offset). */
export const loadReg = (size: SizeName, dst: Register, src: Register, offset: number) => make(InstructionClass.LDX | Mode.MEM | Size[size], dst, src, offset, 0);
/** dst = *(s8|s16|s32 *)(src + offset), sign-extending (cpu v4 LDX|MEMSX). */
export const loadSignExtend = (size: 'B' | 'H' | 'W', dst: Register, src: Register, offset: number) => make(InstructionClass.LDX | Mode.MEMSX | Size[size], dst, src, offset, 0);
/** Legacy packet access: r0 = *(size *)skb[imm] (LD|ABS). */
export const loadAbsolute = (size: 'B' | 'H' | 'W', imm: number) => make(InstructionClass.LD | Mode.ABS | Size[size], 0, 0, 0, imm);
/** Legacy packet access: r0 = *(size *)skb[src + imm] (LD|IND). */
export const loadIndirect = (size: 'B' | 'H' | 'W', src: Register, imm: number) => make(InstructionClass.LD | Mode.IND | Size[size], 0, src, 0, imm);

/** An STX|ATOMIC instruction: `op` is an AtomicOp value (with FETCH or'ed in where wanted). */
export const atomic = (size: SizeName, op: number, dst: Register, src: Register, offset: number) => make(InstructionClass.STX | Mode.ATOMIC | Size[size], dst, src, offset, op);
/** dst = load_acquire((size *)(src + offset)). */
export const loadAcquire = (size: SizeName, dst: Register, src: Register, offset: number) => atomic(size, AtomicOp.LOAD_ACQUIRE, dst, src, offset);
/** store_release((size *)(dst + offset), src). */
export const storeRelease = (size: SizeName, dst: Register, src: Register, offset: number) => atomic(size, AtomicOp.STORE_RELEASE, dst, src, offset);

// --- jumps and calls ---------------------------------------------------------------------------------

type JumpName = Exclude<keyof typeof JumpOp, 'JA' | 'CALL' | 'EXIT' | 'JCOND'>;
/** if dst op imm goto +offset (JMP, or JMP32 comparing the low halves). */
export const jumpImm = (op: JumpName, dst: Register, imm: number, offset: number, wide = true) =>
  make((wide ? InstructionClass.JMP : InstructionClass.JMP32) | JumpOp[op] | Source.K, dst, 0, offset, imm);
/** if dst op src goto +offset. */
export const jumpReg = (op: JumpName, dst: Register, src: Register, offset: number, wide = true) =>
  make((wide ? InstructionClass.JMP : InstructionClass.JMP32) | JumpOp[op] | Source.X, dst, src, offset, 0);
/** if dst == imm goto +offset. */
export const jumpEqImm = (dst: Register, imm: number, offset: number) => jumpImm('JEQ', dst, imm, offset);
/** goto +offset. */
export const jump = (offset: number) => make(InstructionClass.JMP | JumpOp.JA, 0, 0, offset, 0);
/** gotol +imm: the long jump (cpu v4), its 32-bit reach in imm. */
export const jumpLong = (imm: number) => make(InstructionClass.JMP32 | JumpOp.JA, 0, 0, 0, imm);
/** may_goto +offset: a bounded-loop escape the verifier counts down (Linux 6.9). */
export const mayGoto = (offset: number) => make(InstructionClass.JMP | JumpOp.JCOND, 0, 0, offset, 0);
/** Calls helper `id` (enum bpf_func_id). */
export const callHelper = (id: number) => make(InstructionClass.JMP | JumpOp.CALL, 0, CallSource.HELPER, 0, id);
/** Calls a BPF subprogram `relativeSlots` slots after the next one. */
export const callFunction = (relativeSlots: number) => make(InstructionClass.JMP | JumpOp.CALL, 0, CallSource.PSEUDO_CALL, 0, relativeSlots);
/** Calls the kernel function with BTF id `btfId` (in the BTF object at fd-array index `offset`, 0 for vmlinux). */
export const callKernelFunction = (btfId: number, offset = 0) => make(InstructionClass.JMP | JumpOp.CALL, 0, CallSource.KFUNC, offset, btfId);
/** Returns r0. */
export const exit = () => make(InstructionClass.JMP | JumpOp.EXIT, 0, 0, 0, 0);

// --- ld_imm64 ----------------------------------------------------------------------------------------

/** The two slots of `dst = imm64` with a pseudo source (0: plain constant, 1: map fd, 2: map value, ...). */
export function loadImm64(dst: Register, value: bigint, pseudoSource = 0): [Instruction, Instruction] {
  const wide = loadConstant64(dst, value, pseudoSource);
  return [make(wide.opcode, dst, pseudoSource, 0, wide.imm), make(0, 0, 0, 0, wide.nextImm ?? 0)];
}

/** `dst = map` for a map fd (BPF_PSEUDO_MAP_FD), as two raw slots. */
export function loadMapFd(dst: Register, mapFd: number): [Instruction, Instruction] {
  return loadImm64(dst, BigInt(mapFd), LoadSource.MAP_FD);
}

/** `dst = imm64` as one logical instruction (encodes to two slots). */
export function loadConstant64(dst: Register, value: bigint, pseudoSource = 0): Instruction {
  return { opcode: LOAD_IMM64_OPCODE, dst, src: pseudoSource, offset: 0, imm: Number(BigInt.asIntN(32, value)), nextImm: Number(BigInt.asIntN(32, value >> 32n)) };
}

/** `dst = &map_value[offset]` for a map fd (BPF_PSEUDO_MAP_VALUE), one logical instruction. */
export function loadMapValue(dst: Register, mapFd: number, offset: number): Instruction {
  return { opcode: LOAD_IMM64_OPCODE, dst, src: LoadSource.MAP_VALUE, offset: 0, imm: mapFd | 0, nextImm: offset | 0 };
}
