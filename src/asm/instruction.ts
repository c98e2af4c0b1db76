/**
 * Raw instructions and the few constructors the foundation needs (feature probes, tests). An
 * instruction is 8 bytes: opcode, dst:4|src:4 registers, a signed 16-bit offset, a signed 32-bit
 * immediate; `ld_imm64` takes two slots.
 */
import { PseudoSource } from '../sys/abi.js';
import { AluOp, InstructionClass, JumpOp, Mode, Size, Source, type Register } from './opcodes.js';

export interface Instruction {
  opcode: number;
  dst: number;
  src: number;
  offset: number;
  imm: number;
}

export const INSTRUCTION_BYTES = 8;

/** Encodes instructions little-endian, the byte order of every BPF target tsbpf loads into. */
export function encodeInstructions(instructions: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * INSTRUCTION_BYTES);
  const view = new DataView(bytes.buffer);
  instructions.forEach((insn, i) => {
    const at = i * INSTRUCTION_BYTES;
    view.setUint8(at, insn.opcode);
    view.setUint8(at + 1, ((insn.src & 0xf) << 4) | (insn.dst & 0xf));
    view.setInt16(at + 2, insn.offset, true);
    view.setInt32(at + 4, insn.imm, true);
  });
  return bytes;
}

export function decodeInstructions(bytes: Uint8Array): Instruction[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const instructions: Instruction[] = [];
  for (let at = 0; at + INSTRUCTION_BYTES <= bytes.byteLength; at += INSTRUCTION_BYTES) {
    const registers = view.getUint8(at + 1);
    instructions.push({ opcode: view.getUint8(at), dst: registers & 0xf, src: registers >> 4, offset: view.getInt16(at + 2, true), imm: view.getInt32(at + 4, true) });
  }
  return instructions;
}

const make = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction => ({ opcode, dst, src, offset, imm });

/** dst = imm (64-bit move). */
export const mov64Imm = (dst: Register, imm: number) => make(InstructionClass.ALU64 | AluOp.MOV | Source.K, dst, 0, 0, imm);
/** dst = src (64-bit move). */
export const mov64Reg = (dst: Register, src: Register) => make(InstructionClass.ALU64 | AluOp.MOV | Source.X, dst, src, 0, 0);
/** dst += imm (64-bit). */
export const add64Imm = (dst: Register, imm: number) => make(InstructionClass.ALU64 | AluOp.ADD | Source.K, dst, 0, 0, imm);
/** *(size *)(dst + offset) = imm. */
export const storeImm = (size: keyof typeof Size, dst: Register, offset: number, imm: number) => make(InstructionClass.ST | Mode.MEM | Size[size], dst, 0, offset, imm);
/** *(size *)(dst + offset) = src. */
export const storeReg = (size: keyof typeof Size, dst: Register, src: Register, offset: number) => make(InstructionClass.STX | Mode.MEM | Size[size], dst, src, offset, 0);
/** dst = *(size *)(src + offset). */
export const loadReg = (size: keyof typeof Size, dst: Register, src: Register, offset: number) => make(InstructionClass.LDX | Mode.MEM | Size[size], dst, src, offset, 0);
/** if dst == imm goto +offset. */
export const jumpEqImm = (dst: Register, imm: number, offset: number) => make(InstructionClass.JMP | JumpOp.JEQ | Source.K, dst, 0, offset, imm);
/** goto +offset. */
export const jump = (offset: number) => make(InstructionClass.JMP | JumpOp.JA, 0, 0, offset, 0);
/** Calls helper `id` (enum bpf_func_id). */
export const callHelper = (id: number) => make(InstructionClass.JMP | JumpOp.CALL, 0, 0, 0, id);
/** Returns r0. */
export const exit = () => make(InstructionClass.JMP | JumpOp.EXIT, 0, 0, 0, 0);

/** The two slots of `dst = imm64` with a pseudo source (0: plain constant, 1: map fd, 2: map value, ...). */
export function loadImm64(dst: Register, value: bigint, pseudoSource = 0): [Instruction, Instruction] {
  const low = Number(BigInt.asIntN(32, value));
  const high = Number(BigInt.asIntN(32, value >> 32n));
  return [make(InstructionClass.LD | Mode.IMM | Size.DW, dst, pseudoSource, 0, low), make(0, 0, 0, 0, high)];
}

/** `dst = map` for a map fd (BPF_PSEUDO_MAP_FD). */
export function loadMapFd(dst: Register, mapFd: number): [Instruction, Instruction] {
  return loadImm64(dst, BigInt(mapFd), PseudoSource.MAP_FD);
}
