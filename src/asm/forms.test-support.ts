/**
 * Every instruction form the asm layer knows, one instance each, for round-trip and printer tests.
 * `llvm14Misreads` marks the few forms llvm-objdump 14 decodes as a different instruction instead of
 * `<unknown>` (its decoder leaves some imm bits of STX|ATOMIC unchecked).
 */
import * as make from './instruction.js';
import type { Instruction } from './instruction.js';
import { AluOp, AtomicOp, LoadSource, type Register } from './opcodes.js';

export interface Form {
  name: string;
  insn: Instruction;
  llvm14Misreads?: boolean;
}

const ALU_OPS = ['ADD', 'SUB', 'MUL', 'DIV', 'OR', 'AND', 'LSH', 'RSH', 'MOD', 'XOR', 'MOV', 'ARSH'] as const;
const JUMP_OPS = ['JEQ', 'JGT', 'JGE', 'JSET', 'JNE', 'JSGT', 'JSGE', 'JLT', 'JLE', 'JSLT', 'JSLE'] as const;
const SIZES = ['B', 'H', 'W', 'DW'] as const;
const r = (n: number) => n as Register;

export function everyForm(): Form[] {
  const forms: Form[] = [];
  const add = (name: string, insn: Instruction, llvm14Misreads = false) => forms.push({ name, insn, ...(llvm14Misreads ? { llvm14Misreads } : {}) });
  for (const op of ALU_OPS) {
    add(`alu64 ${op} imm`, make.alu64Imm(op, r(1), op === 'LSH' || op === 'RSH' || op === 'ARSH' ? 7 : -5));
    add(`alu64 ${op} reg`, make.alu64Reg(op, r(2), r(3)));
    add(`alu32 ${op} imm`, make.alu32Imm(op, r(4), op === 'LSH' || op === 'RSH' || op === 'ARSH' ? 3 : 0x7fffffff));
    add(`alu32 ${op} reg`, make.alu32Reg(op, r(5), r(6)));
  }
  add('neg64', make.neg64(r(7)));
  add('neg32', { ...make.neg64(r(8)), opcode: 0x84 });
  for (const bits of [16, 32, 64] as const) {
    add(`le${bits}`, make.endian('le', bits, r(1)));
    add(`be${bits}`, make.endian('be', bits, r(2)));
    add(`bswap${bits}`, make.byteSwap(bits, r(3)));
  }
  for (const op of ['DIV', 'MOD'] as const) {
    add(`signed ${op} reg`, make.signedDivMod64Reg(op, r(1), r(2)));
    add(`signed ${op} imm`, make.signedDivMod64Imm(op, r(1), -3));
    add(`signed ${op} reg 32`, { ...make.signedDivMod64Reg(op, r(1), r(2)), opcode: 0x04 | AluOp[op] | 0x08 });
  }
  for (const bits of [8, 16, 32] as const) add(`movsx64 ${bits}`, make.movSignExtend64(bits, r(1), r(2)));
  for (const bits of [8, 16] as const) add(`movsx32 ${bits}`, make.movSignExtend32(bits, r(3), r(4)));
  add('addr_space_cast', make.addressSpaceCast(r(1), r(2), 1, 0));
  add('ld_imm64', make.loadConstant64(r(1), 0x123456789abcdef0n));
  add('ld_imm64 negative', make.loadConstant64(r(2), -1n));
  for (const [name, source] of Object.entries(LoadSource)) {
    if (source === 0) continue;
    add(`ld_imm64 ${name}`, { ...make.loadConstant64(r(3), 5n, source), nextImm: source === LoadSource.MAP_VALUE || source === LoadSource.MAP_IDX_VALUE ? 16 : 0 });
  }
  for (const size of ['B', 'H', 'W'] as const) {
    add(`ld_abs ${size}`, make.loadAbsolute(size, 12));
    add(`ld_ind ${size}`, make.loadIndirect(size, r(6), 4));
    add(`ldx memsx ${size}`, make.loadSignExtend(size, r(1), r(2), -4));
  }
  for (const size of SIZES) {
    add(`ldx ${size}`, make.loadReg(size, r(1), r(10), -8));
    add(`st ${size}`, make.storeImm(size, r(10), -16, -7));
    add(`stx ${size}`, make.storeReg(size, r(10), r(3), 32767));
    add(`load_acquire ${size}`, make.loadAcquire(size, r(1), r(2), 8), size === 'DW' || size === 'W');
    add(`store_release ${size}`, make.storeRelease(size, r(1), r(2), -8));
  }
  for (const size of ['W', 'DW'] as const) {
    for (const op of ['ADD', 'OR', 'AND', 'XOR'] as const) {
      add(`atomic ${size} ${op}`, make.atomic(size, AtomicOp[op], r(1), r(2), 8));
      add(`atomic ${size} fetch ${op}`, make.atomic(size, AtomicOp[op] | AtomicOp.FETCH, r(1), r(3), -8), size === 'W' && op === 'ADD');
    }
    add(`xchg ${size}`, make.atomic(size, AtomicOp.XCHG, r(4), r(5), 0));
    add(`cmpxchg ${size}`, make.atomic(size, AtomicOp.CMPXCHG, r(6), r(7), 16));
  }
  add('nospec', { opcode: 0xc2, dst: 0, src: 0, offset: 0, imm: 0 });
  for (const op of JUMP_OPS) {
    add(`jmp ${op} imm`, make.jumpImm(op, r(1), -5, 1));
    add(`jmp ${op} reg`, make.jumpReg(op, r(2), r(3), -2));
    add(`jmp32 ${op} imm`, make.jumpImm(op, r(4), 0x7fffffff, 0, false));
    add(`jmp32 ${op} reg`, make.jumpReg(op, r(5), r(6), 3, false));
  }
  add('ja', make.jump(-3));
  add('gotol', make.jumpLong(2));
  add('gotox', { opcode: 0x0d, dst: 3, src: 0, offset: 0, imm: 0 });
  add('may_goto', make.mayGoto(1));
  add('call helper', make.callHelper(1));
  add('call function', make.callFunction(-4));
  add('call kfunc', make.callKernelFunction(12345));
  add('callx', { opcode: 0x8d, dst: 0, src: 0, offset: 0, imm: 2 });
  add('exit', make.exit());
  return forms;
}
