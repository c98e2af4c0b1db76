/**
 * What an instruction is. Decoding keeps the raw fields (so encode(decode(x)) is x); these functions
 * give them meaning, and say which opcodes the instruction set does not define.
 */
import { type Instruction } from './instruction.js';
import {
  AluOp, AtomicOp, CallSource, InstructionClass, JumpCondition, JumpOp, LOAD_IMM64_OPCODE, LoadSource, Mode, Size, Source,
  opcodeClass, opcodeMode, opcodeOperation, opcodeSize, opcodeSource,
} from './opcodes.js';

export type InstructionKind =
  | 'alu' | 'negate' | 'endian' | 'byteSwap' | 'moveSignExtend' | 'signedDivide' | 'addressSpaceCast'
  | 'loadImm64' | 'loadAbsolute' | 'loadIndirect' | 'load' | 'loadSignExtend'
  | 'storeImm' | 'store' | 'atomic' | 'atomicExchange' | 'atomicCompareExchange' | 'loadAcquire' | 'storeRelease'
  | 'speculationBarrier'
  | 'conditionalJump' | 'jump' | 'jumpLong' | 'jumpIndirect' | 'mayGoto'
  | 'callHelper' | 'callFunction' | 'callKernelFunction' | 'callIndirect' | 'exit';

const ATOMIC_ALU_OPS: readonly number[] = [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR];

/** The instruction's kind, or undefined when the instruction set has no such opcode (or atomic operation). */
export function classifyInstruction(insn: Instruction): InstructionKind | undefined {
  const { opcode } = insn;
  const cls = opcodeClass(opcode);
  const op = opcodeOperation(opcode);
  const register = opcodeSource(opcode) === Source.X;
  switch (cls) {
    case InstructionClass.ALU:
    case InstructionClass.ALU64: {
      const wide = cls === InstructionClass.ALU64;
      if (op > AluOp.END) return undefined;
      if (op === AluOp.END) return wide ? (register ? undefined : 'byteSwap') : 'endian';
      if (op === AluOp.NEG) return register ? undefined : 'negate';
      if (op === AluOp.MOV && register) {
        if (wide && insn.offset === 1) return 'addressSpaceCast';
        if (insn.offset === 8 || insn.offset === 16 || (wide && insn.offset === 32)) return 'moveSignExtend';
      }
      if ((op === AluOp.DIV || op === AluOp.MOD) && insn.offset === 1) return 'signedDivide';
      return 'alu';
    }
    case InstructionClass.LD:
      if (opcode === LOAD_IMM64_OPCODE) return 'loadImm64';
      if (opcodeSize(opcode) === Size.DW) return undefined;
      if (opcodeMode(opcode) === Mode.ABS) return 'loadAbsolute';
      if (opcodeMode(opcode) === Mode.IND) return 'loadIndirect';
      return undefined;
    case InstructionClass.LDX:
      if (opcodeMode(opcode) === Mode.MEM) return 'load';
      if (opcodeMode(opcode) === Mode.MEMSX && opcodeSize(opcode) !== Size.DW) return 'loadSignExtend';
      return undefined;
    case InstructionClass.ST:
      if (opcodeMode(opcode) === Mode.MEM) return 'storeImm';
      // The verifier's speculation barrier (BPF_ST|BPF_NOSPEC) appears in xlated dumps.
      if (opcode === (InstructionClass.ST | Mode.NOSPEC)) return 'speculationBarrier';
      return undefined;
    case InstructionClass.STX: {
      if (opcodeMode(opcode) === Mode.MEM) return 'store';
      if (opcodeMode(opcode) !== Mode.ATOMIC) return undefined;
      const size = opcodeSize(opcode);
      if (insn.imm === AtomicOp.LOAD_ACQUIRE) return 'loadAcquire';
      if (insn.imm === AtomicOp.STORE_RELEASE) return 'storeRelease';
      if (size !== Size.W && size !== Size.DW) return undefined;
      if (insn.imm === AtomicOp.XCHG) return 'atomicExchange';
      if (insn.imm === AtomicOp.CMPXCHG) return 'atomicCompareExchange';
      if (ATOMIC_ALU_OPS.includes(insn.imm & ~AtomicOp.FETCH)) return 'atomic';
      return undefined;
    }
    case InstructionClass.JMP:
      switch (op) {
        case JumpOp.JA: return register ? 'jumpIndirect' : 'jump';
        case JumpOp.CALL:
          if (register) return 'callIndirect';
          if (insn.src === CallSource.HELPER) return 'callHelper';
          if (insn.src === CallSource.PSEUDO_CALL) return 'callFunction';
          if (insn.src === CallSource.KFUNC) return 'callKernelFunction';
          return undefined;
        case JumpOp.EXIT: return register ? undefined : 'exit';
        case JumpOp.JCOND: return !register && insn.src === JumpCondition.MAY_GOTO ? 'mayGoto' : undefined;
        case 0xf0: return undefined;
        default: return 'conditionalJump';
      }
    default: // JMP32
      switch (op) {
        case JumpOp.JA: return register ? undefined : 'jumpLong';
        case JumpOp.CALL: case JumpOp.EXIT: case JumpOp.JCOND: case 0xf0: return undefined;
        default: return 'conditionalJump';
      }
  }
}

/** Why an opcode is not an instruction, in words for an error message; undefined when it is one. */
export function instructionProblem(insn: Instruction): string | undefined {
  if (classifyInstruction(insn) !== undefined) return undefined;
  const hex = `0x${insn.opcode.toString(16).padStart(2, '0')}`;
  if (opcodeClass(insn.opcode) === InstructionClass.STX && opcodeMode(insn.opcode) === Mode.ATOMIC) {
    return `unknown atomic operation 0x${(insn.imm >>> 0).toString(16)} for opcode ${hex}`;
  }
  if (opcodeOperation(insn.opcode) === JumpOp.CALL && opcodeClass(insn.opcode) === InstructionClass.JMP) return `unknown call source ${insn.src}`;
  if (opcodeOperation(insn.opcode) === JumpOp.JCOND && opcodeClass(insn.opcode) === InstructionClass.JMP) return `unknown jump condition ${insn.src}`;
  return `unknown opcode ${hex}`;
}

/** Instruction kinds that may transfer control to another slot of the same program. */
const BRANCHES: ReadonlySet<InstructionKind> = new Set(['conditionalJump', 'jump', 'jumpLong', 'mayGoto']);

export const isBranch = (insn: Instruction): boolean => { const kind = classifyInstruction(insn); return kind !== undefined && BRANCHES.has(kind); };
export const isCall = (insn: Instruction): boolean => opcodeClass(insn.opcode) === InstructionClass.JMP && opcodeOperation(insn.opcode) === JumpOp.CALL;
export const isHelperCall = (insn: Instruction): boolean => classifyInstruction(insn) === 'callHelper';
export const isFunctionCall = (insn: Instruction): boolean => classifyInstruction(insn) === 'callFunction';
export const isKernelFunctionCall = (insn: Instruction): boolean => classifyInstruction(insn) === 'callKernelFunction';
export const isExit = (insn: Instruction): boolean => classifyInstruction(insn) === 'exit';
export const isLoadImm64 = (insn: Instruction): boolean => insn.opcode === LOAD_IMM64_OPCODE;
/** ld_imm64 of a map (by fd, or by index into fd_array) or of a map value. */
export const isMapReference = (insn: Instruction): boolean =>
  isLoadImm64(insn) && (insn.src === LoadSource.MAP_FD || insn.src === LoadSource.MAP_VALUE || insn.src === LoadSource.MAP_IDX || insn.src === LoadSource.MAP_IDX_VALUE);
/** ld_imm64 of a subprogram's address (BPF_PSEUDO_FUNC, for callbacks such as bpf_loop's). */
export const isFunctionReference = (insn: Instruction): boolean => isLoadImm64(insn) && insn.src === LoadSource.FUNC;
/** ALU and jump instructions of the 32-bit classes (operating on wN). */
export const is32Bit = (insn: Instruction): boolean => opcodeClass(insn.opcode) === InstructionClass.ALU || opcodeClass(insn.opcode) === InstructionClass.JMP32;

/**
 * The slot an instruction at `slot` can transfer control to: jumps, gotol, may_goto, bpf-to-bpf calls
 * and ld_imm64 function references (all relative to the slot after the instruction itself).
 * Undefined for everything else, including helper calls and exits.
 */
export function targetSlot(insn: Instruction, slot: number): number | undefined {
  const kind = classifyInstruction(insn);
  switch (kind) {
    case 'conditionalJump': case 'jump': case 'mayGoto': return slot + 1 + insn.offset;
    case 'jumpLong': case 'callFunction': return slot + 1 + insn.imm;
    case 'loadImm64': return insn.src === LoadSource.FUNC ? slot + 1 + insn.imm : undefined;
    default: return undefined;
  }
}
