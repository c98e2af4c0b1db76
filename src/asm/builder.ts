/**
 * Writing BPF programs in TypeScript: a chain of instruction methods with string labels, assembled into
 * instructions whose jump offsets are resolved and whose map references are left as relocation records
 * for the loader. Registers are the R0..R10 objects so `mov(R1, R2)` (register) and `mov(R1, 2)`
 * (immediate) can't be confused.
 */
import { HELPER_NAMES } from '../sys/abi.js';
import { AssemblyError } from './assembly-error.js';
import { encodeInstructions } from './encode.js';
import { slotCount, type Instruction } from './instruction.js';
import * as primitive from './instruction.js';
import { AluOp, AtomicOp, InstructionClass, JumpOp, LoadSource, Source, type Register } from './opcodes.js';
import type { SectionSymbol } from './disasm-llvm.js';

/** A register operand. Distinct from numbers, which are always immediates. */
export interface RegisterOperand {
  readonly register: Register;
}
const reg = (register: Register): RegisterOperand => Object.freeze({ register });
export const R0 = reg(0), R1 = reg(1), R2 = reg(2), R3 = reg(3), R4 = reg(4), R5 = reg(5);
export const R6 = reg(6), R7 = reg(7), R8 = reg(8), R9 = reg(9), R10 = reg(10);

/** A register or a 32-bit immediate. */
export type Operand = RegisterOperand | number;
type Size = 'B' | 'H' | 'W' | 'DW';
type JumpName = 'JEQ' | 'JNE' | 'JGT' | 'JGE' | 'JLT' | 'JLE' | 'JSGT' | 'JSGE' | 'JSLT' | 'JSLE' | 'JSET';

/** A reference the loader must patch: an ld_imm64 of a map or map value, or a kfunc call, by name. */
export interface Relocation {
  /** Index into AssembledProgram.instructions. */
  instructionIndex: number;
  /** The same instruction's slot (8-byte position), what the kernel and ELF relocations count. */
  slot: number;
  symbol: string;
  kind: 'map' | 'mapValue' | 'kernelFunction';
}

export interface AssembledProgram {
  /** Logical instructions (ld_imm64 as one); encode with encodeInstructions or use `bytes`. */
  instructions: Instruction[];
  relocations: Relocation[];
  /** Label → slot. */
  labels: ReadonlyMap<string, number>;
  /** The labels as symbols for disassembleLlvm (byte offsets). */
  symbols: SectionSymbol[];
  bytes: Uint8Array;
}

/** A pending instruction: fixed, or waiting for a label's slot. */
interface Item {
  insn: Instruction;
  /** The label the instruction refers to, resolved in assemble(). */
  target?: string;
  /** How the resolved distance goes into the instruction. */
  patch?: 'offset' | 'imm' | 'jump';
  relocation?: { symbol: string; kind: Relocation['kind'] };
}

const isRegister = (operand: Operand): operand is RegisterOperand => typeof operand === 'object';
const registerOf = (operand: RegisterOperand | Register): Register => (typeof operand === 'object' ? operand.register : operand);

const INT16_MIN = -0x8000, INT16_MAX = 0x7fff;

export class ProgramBuilder {
  readonly #items: Item[] = [];
  /** Label → index in #items of the instruction it precedes. */
  readonly #labels = new Map<string, number>();

  /** Names the position of the next instruction. */
  label(name: string): this {
    if (this.#labels.has(name)) throw new AssemblyError(`label '${name}' is defined twice`, 'give each label a unique name');
    this.#labels.set(name, this.#items.length);
    return this;
  }

  /** Appends instructions made with the primitive constructors (or decoded ones) as they are. */
  raw(...instructions: Instruction[]): this {
    for (const insn of instructions) this.#items.push({ insn: { ...insn } });
    return this;
  }

  // --- ALU -------------------------------------------------------------------------------------------

  #alu(op: number, wide: boolean, dst: RegisterOperand | Register, source: Operand, offset = 0): this {
    const cls = wide ? InstructionClass.ALU64 : InstructionClass.ALU;
    const insn = isRegister(source)
      ? { opcode: cls | op | Source.X, dst: registerOf(dst), src: source.register, offset, imm: 0 }
      : { opcode: cls | op | Source.K, dst: registerOf(dst), src: 0, offset, imm: checkImm32(source) };
    this.#items.push({ insn });
    return this;
  }

  mov(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.MOV, true, dst, source); }
  add(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.ADD, true, dst, source); }
  sub(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.SUB, true, dst, source); }
  mul(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.MUL, true, dst, source); }
  div(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.DIV, true, dst, source); }
  mod(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.MOD, true, dst, source); }
  or(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.OR, true, dst, source); }
  and(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.AND, true, dst, source); }
  xor(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.XOR, true, dst, source); }
  lsh(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.LSH, true, dst, source); }
  rsh(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.RSH, true, dst, source); }
  arsh(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.ARSH, true, dst, source); }
  neg(dst: RegisterOperand) { return this.#alu(AluOp.NEG, true, dst, 0); }
  /** Signed division and modulo (cpu v4). */
  sdiv(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.DIV, true, dst, source, 1); }
  smod(dst: RegisterOperand, source: Operand) { return this.#alu(AluOp.MOD, true, dst, source, 1); }
  /** 32-bit ALU (wN): the operation by AluOp name, e.g. alu32('ADD', R1, 5). */
  alu32(op: Exclude<keyof typeof AluOp, 'END'>, dst: RegisterOperand, source: Operand) { return this.#alu(AluOp[op], false, dst, source); }
  /** dst = (sN)src, sign-extending move (cpu v4); `wide: false` for the 32-bit form. */
  movsx(bits: 8 | 16 | 32, dst: RegisterOperand, src: RegisterOperand, wide = true) { return this.raw(wide ? primitive.movSignExtend64(bits, dst.register, src.register) : primitive.movSignExtend32(bits === 32 ? 16 : bits, dst.register, src.register)); }
  /** dst = le16/32/64 or be16/32/64 dst. */
  endian(order: 'le' | 'be', bits: 16 | 32 | 64, dst: RegisterOperand) { return this.raw(primitive.endian(order, bits, dst.register)); }
  bswap(bits: 16 | 32 | 64, dst: RegisterOperand) { return this.raw(primitive.byteSwap(bits, dst.register)); }
  addrSpaceCast(dst: RegisterOperand, src: RegisterOperand, dstAddressSpace: number, srcAddressSpace: number) {
    return this.raw(primitive.addressSpaceCast(dst.register, src.register, dstAddressSpace, srcAddressSpace));
  }

  // --- memory ----------------------------------------------------------------------------------------

  /** dst = *(size *)(src + offset). */
  load(size: Size, dst: RegisterOperand, src: RegisterOperand, offset: number) { return this.raw(primitive.loadReg(size, dst.register, src.register, checkOffset(offset))); }
  /** dst = *(sN *)(src + offset), sign-extending (cpu v4). */
  loadSx(size: 'B' | 'H' | 'W', dst: RegisterOperand, src: RegisterOperand, offset: number) { return this.raw(primitive.loadSignExtend(size, dst.register, src.register, checkOffset(offset))); }
  /** *(size *)(dst + offset) = source (a register, or an immediate with ST). */
  store(size: Size, dst: RegisterOperand, offset: number, source: Operand) {
    return this.raw(isRegister(source) ? primitive.storeReg(size, dst.register, source.register, checkOffset(offset)) : primitive.storeImm(size, dst.register, checkOffset(offset), checkImm32(source)));
  }
  /** lock *(size *)(dst + offset) op= src; with `fetch`, src receives the old value. */
  atomic(op: 'ADD' | 'OR' | 'AND' | 'XOR', size: 'W' | 'DW', dst: RegisterOperand, offset: number, src: RegisterOperand, fetch = false) {
    return this.raw(primitive.atomic(size, AtomicOp[op] | (fetch ? AtomicOp.FETCH : 0), dst.register, src.register, checkOffset(offset)));
  }
  /** src = xchg(*(size *)(dst + offset), src). */
  xchg(size: 'W' | 'DW', dst: RegisterOperand, offset: number, src: RegisterOperand) { return this.raw(primitive.atomic(size, AtomicOp.XCHG, dst.register, src.register, checkOffset(offset))); }
  /** r0 = cmpxchg(*(size *)(dst + offset), r0, src). */
  cmpxchg(size: 'W' | 'DW', dst: RegisterOperand, offset: number, src: RegisterOperand) { return this.raw(primitive.atomic(size, AtomicOp.CMPXCHG, dst.register, src.register, checkOffset(offset))); }
  loadAcquire(size: Size, dst: RegisterOperand, src: RegisterOperand, offset: number) { return this.raw(primitive.loadAcquire(size, dst.register, src.register, checkOffset(offset))); }
  storeRelease(size: Size, dst: RegisterOperand, offset: number, src: RegisterOperand) { return this.raw(primitive.storeRelease(size, dst.register, src.register, checkOffset(offset))); }
  /** dst = a 64-bit constant (ld_imm64). */
  ldImm64(dst: RegisterOperand, value: bigint | number) { return this.raw(primitive.loadConstant64(dst.register, BigInt(value))); }
  /** dst = the map named `symbol`; the loader patches in its fd (a `map` relocation). */
  loadMap(dst: RegisterOperand, symbol: string) {
    this.#items.push({ insn: primitive.loadConstant64(dst.register, 0n, LoadSource.MAP_FD), relocation: { symbol, kind: 'map' } });
    return this;
  }
  /** dst = &value_of(map `symbol`)[offset] (direct value access for global data); a `mapValue` relocation. */
  loadMapValue(dst: RegisterOperand, symbol: string, offset = 0) {
    this.#items.push({ insn: { ...primitive.loadConstant64(dst.register, 0n, LoadSource.MAP_VALUE), nextImm: offset | 0 }, relocation: { symbol, kind: 'mapValue' } });
    return this;
  }
  /** dst = the address of the subprogram at `label` (a callback for bpf_loop and friends). */
  loadFunction(dst: RegisterOperand, label: string) {
    this.#items.push({ insn: primitive.loadConstant64(dst.register, 0n, LoadSource.FUNC), target: label, patch: 'imm' });
    return this;
  }
  /** Legacy socket-filter packet loads into r0. */
  loadAbsolute(size: 'B' | 'H' | 'W', imm: number) { return this.raw(primitive.loadAbsolute(size, checkImm32(imm))); }
  loadIndirect(size: 'B' | 'H' | 'W', src: RegisterOperand, imm: number) { return this.raw(primitive.loadIndirect(size, src.register, checkImm32(imm))); }

  // --- control flow ----------------------------------------------------------------------------------

  #jump(op: JumpName, wide: boolean, dst: RegisterOperand, source: Operand, label: string): this {
    const insn = isRegister(source) ? primitive.jumpReg(op, dst.register, source.register, 0, wide) : primitive.jumpImm(op, dst.register, checkImm32(source), 0, wide);
    this.#items.push({ insn, target: label, patch: 'offset' });
    return this;
  }
  jeq(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JEQ', true, dst, source, label); }
  jne(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JNE', true, dst, source, label); }
  jgt(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JGT', true, dst, source, label); }
  jge(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JGE', true, dst, source, label); }
  jlt(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JLT', true, dst, source, label); }
  jle(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JLE', true, dst, source, label); }
  jsgt(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JSGT', true, dst, source, label); }
  jsge(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JSGE', true, dst, source, label); }
  jslt(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JSLT', true, dst, source, label); }
  jsle(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JSLE', true, dst, source, label); }
  jset(dst: RegisterOperand, source: Operand, label: string) { return this.#jump('JSET', true, dst, source, label); }
  /** A conditional jump comparing the low 32 bits (JMP32), by JumpOp name. */
  jump32(op: JumpName, dst: RegisterOperand, source: Operand, label: string) { return this.#jump(op, false, dst, source, label); }
  /** goto label; becomes gotol when the label is beyond a 16-bit offset. */
  ja(label: string) {
    this.#items.push({ insn: primitive.jump(0), target: label, patch: 'jump' });
    return this;
  }
  /** may_goto label (Linux 6.9). */
  mayGoto(label: string) {
    this.#items.push({ insn: primitive.mayGoto(0), target: label, patch: 'offset' });
    return this;
  }
  /** Calls a helper by id or name (`'map_lookup_elem'` or `'bpf_map_lookup_elem'`). */
  call(helper: number | string) {
    return this.raw(primitive.callHelper(typeof helper === 'number' ? helper : helperId(helper)));
  }
  /** Calls the subprogram at `label` (bpf-to-bpf). */
  callFunction(label: string) {
    this.#items.push({ insn: primitive.callFunction(0), target: label, patch: 'imm' });
    return this;
  }
  /** Calls a kernel function (kfunc): by BTF id, or by name as a `kernelFunction` relocation for the loader. */
  callKernelFunction(target: number | string) {
    if (typeof target === 'number') return this.raw(primitive.callKernelFunction(target));
    this.#items.push({ insn: primitive.callKernelFunction(0), relocation: { symbol: target, kind: 'kernelFunction' } });
    return this;
  }
  exit() { return this.raw(primitive.exit()); }

  /** Resolves labels and returns the program. The builder can keep growing and be assembled again. */
  assemble(): AssembledProgram {
    const slots: number[] = [];
    let slot = 0;
    for (const item of this.#items) {
      slots.push(slot);
      slot += slotCount(item.insn);
    }
    slots.push(slot);
    const labelSlots = new Map<string, number>();
    for (const [name, index] of this.#labels) labelSlots.set(name, slots[index]!);
    const instructions: Instruction[] = [];
    const relocations: Relocation[] = [];
    this.#items.forEach((item, index) => {
      const insn = { ...item.insn };
      const here = slots[index]!;
      if (item.target !== undefined) {
        const target = labelSlots.get(item.target);
        if (target === undefined) throw new AssemblyError(`instruction ${index} (slot ${here}) refers to label '${item.target}', which is not defined`, 'define it with .label() or fix the name');
        const distance = target - here - 1;
        if (item.patch === 'imm') {
          insn.imm = distance;
        } else if (distance >= INT16_MIN && distance <= INT16_MAX) {
          insn.offset = distance;
        } else if (item.patch === 'jump') {
          // The long jump (cpu v4, Linux 6.6): JMP32|JA keeps its reach in imm.
          insn.opcode = InstructionClass.JMP32 | JumpOp.JA;
          insn.imm = distance;
        } else {
          throw new AssemblyError(
            `the jump at slot ${here} to label '${item.target}' is ${distance} slots away, beyond a 16-bit offset (±32767)`,
            'invert the condition to jump over a ja (which becomes gotol at this distance), or move the code closer',
          );
        }
      }
      if (item.relocation !== undefined) relocations.push({ instructionIndex: index, slot: here, ...item.relocation });
      instructions.push(insn);
    });
    const symbols = [...labelSlots].map(([name, at]) => ({ name, offset: at * 8 }));
    return { instructions, relocations, labels: labelSlots, symbols, bytes: encodeInstructions(instructions) };
  }
}

function helperId(name: string): number {
  const bare = name.startsWith('bpf_') ? name.slice(4) : name;
  const id = HELPER_NAMES.indexOf(bare);
  if (id <= 0) throw new AssemblyError(`unknown helper '${name}'`, 'use a name from enum bpf_func_id without the BPF_FUNC_ prefix, or pass the id');
  return id;
}

function checkImm32(value: number): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff) {
    throw new AssemblyError(`${value} does not fit a 32-bit immediate`, 'use ldImm64 for 64-bit constants');
  }
  return value | 0;
}

function checkOffset(value: number): number {
  if (!Number.isInteger(value) || value < INT16_MIN || value > INT16_MAX) throw new AssemblyError(`${value} does not fit a 16-bit memory offset`);
  return value;
}
