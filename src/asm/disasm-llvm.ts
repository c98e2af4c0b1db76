/**
 * llvm-objdump's dialect: the text `llvm-objdump -d --no-show-raw-insn` prints for a BPF code section,
 * line for line. LLVM's BPF printer (BPFInstrInfo.td asm strings) is the contract; where llvm-objdump 14
 * (the oracle on this project's machines) prints `<unknown>` because the form is newer than it (cpu v4,
 * ST with an immediate, 32-bit atomics outside its alu32 mode, mod, jset), we print the spelling newer
 * LLVM uses, unless `compat: 'llvm14'` asks for 14's exact output.
 */
import { classifyInstruction } from './classify.js';
import { decodeInstructions, type DecodeOptions } from './decode.js';
import { constant64, type Instruction } from './instruction.js';
import { AluOp, AtomicOp, InstructionClass, JumpOp, LoadSource, Size, Source, opcodeClass, opcodeOperation, opcodeSize, opcodeSource } from './opcodes.js';

/** A symbol of the section: its byte offset and name (functions and LLVM's local LBB labels alike). */
export interface SectionSymbol {
  offset: number;
  name: string;
}

export interface LlvmDisassemblyOptions {
  /** The section's symbols; they become `<name>:` lines and name jump targets. */
  symbols?: readonly SectionSymbol[];
  /** 'latest' (default): newer LLVM's spelling for forms 14 lacks. 'llvm14': exactly what llvm-objdump 14 prints. */
  compat?: 'latest' | 'llvm14';
  byteOrder?: DecodeOptions['byteOrder'];
}

const UNKNOWN = '<unknown>';

const ALU_OPERATORS: Readonly<Record<number, string>> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=', [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=', [AluOp.MOV]: '=', [AluOp.ARSH]: 's>>=',
};

const JUMP_OPERATORS: Readonly<Record<number, string>> = {
  [JumpOp.JEQ]: '==', [JumpOp.JGT]: '>', [JumpOp.JGE]: '>=', [JumpOp.JSET]: '&', [JumpOp.JNE]: '!=', [JumpOp.JSGT]: 's>',
  [JumpOp.JSGE]: 's>=', [JumpOp.JLT]: '<', [JumpOp.JLE]: '<=', [JumpOp.JSLT]: 's<', [JumpOp.JSLE]: 's<=',
};

const ATOMIC_NAMES: Readonly<Record<number, string>> = { [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor' };

const SIZE_NAMES: Readonly<Record<number, string>> = { [Size.B]: '8', [Size.H]: '16', [Size.W]: '32', [Size.DW]: '64' };

/** `r2 + 8` / `r10 - 4`: LLVM prints the sign as an operator with spaces around it. */
const address = (base: number, offset: number) => `r${base} ${offset < 0 ? '-' : '+'} ${Math.abs(offset)}`;
const relative = (n: number) => (n < 0 ? `${n}` : `+${n}`);

/**
 * One instruction's text, as llvm-objdump prints it after the slot number and tab (jump target
 * annotations are added by disassembleLlvm, which knows the symbols).
 */
export function formatLlvmInstruction(insn: Instruction, compat: 'latest' | 'llvm14' = 'latest'): string {
  const old = compat === 'llvm14';
  const kind = classifyInstruction(insn);
  if (kind === undefined) return UNKNOWN;
  // LLVM's register class stops at r11; its decoder refuses anything above.
  if (old && (insn.dst > 11 || insn.src > 11)) return UNKNOWN;
  const cls = opcodeClass(insn.opcode);
  const op = opcodeOperation(insn.opcode);
  const narrow = cls === InstructionClass.ALU || cls === InstructionClass.JMP32;
  const reg = (n: number) => `${narrow ? 'w' : 'r'}${n}`;
  const size = opcodeSize(insn.opcode);
  const bits = SIZE_NAMES[size]!;
  const wideAtomic = size === Size.DW;
  // 32-bit atomics other than plain add live only in LLVM's alu32 decoder table, which llvm-objdump
  // does not use by default; newer LLVM prints them with w registers.
  const atomicReg = (n: number) => (wideAtomic ? `r${n}` : `w${n}`);
  switch (kind) {
    case 'alu':
    case 'signedDivide':
    case 'moveSignExtend':
    case 'addressSpaceCast': {
      if (op === AluOp.MOD && old) return UNKNOWN;
      const register = opcodeSource(insn.opcode) === Source.X;
      if (!old && kind === 'addressSpaceCast') return `r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
      if (!old && kind === 'moveSignExtend') return `${reg(insn.dst)} = (s${insn.offset})${reg(insn.src)}`;
      const operator = !old && kind === 'signedDivide' ? `s${ALU_OPERATORS[op]}` : ALU_OPERATORS[op]!;
      return `${reg(insn.dst)} ${operator} ${register ? reg(insn.src) : insn.imm}`;
    }
    case 'negate': return `${reg(insn.dst)} = -${reg(insn.dst)}`;
    case 'endian':
      if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) return UNKNOWN;
      return `r${insn.dst} = ${opcodeSource(insn.opcode) === Source.TO_BE ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
    case 'byteSwap':
      if (old || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64)) return UNKNOWN;
      return `r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
    case 'loadImm64':
      if (insn.src === LoadSource.CONSTANT) return `r${insn.dst} = ${BigInt.asIntN(64, constant64(insn))} ll`;
      return `ld_pseudo\tr${insn.dst}, ${insn.src}, ${insn.imm}`;
    case 'loadAbsolute': return `r0 = *(u${bits} *)skb[${insn.imm}]`;
    case 'loadIndirect': return `r0 = *(u${bits} *)skb[r${insn.src}]`;
    case 'load': return `r${insn.dst} = *(u${bits} *)(${address(insn.src, insn.offset)})`;
    case 'loadSignExtend': return old ? UNKNOWN : `r${insn.dst} = *(s${bits} *)(${address(insn.src, insn.offset)})`;
    case 'storeImm': return old ? UNKNOWN : `*(u${bits} *)(${address(insn.dst, insn.offset)}) = ${insn.imm}`;
    case 'store': return `*(u${bits} *)(${address(insn.dst, insn.offset)}) = r${insn.src}`;
    case 'atomic': {
      const operation = insn.imm & ~AtomicOp.FETCH;
      const fetch = (insn.imm & AtomicOp.FETCH) !== 0;
      if (!wideAtomic && (fetch || operation !== AtomicOp.ADD)) {
        if (old) return UNKNOWN;
      }
      if (fetch) return `${atomicReg(insn.src)} = atomic_fetch_${ATOMIC_NAMES[operation]}((u${bits} *)(${address(insn.dst, insn.offset)}), ${atomicReg(insn.src)})`;
      // LLVM 14 prints a 32-bit add with an r register (its non-alu32 XADDW); kept for both dialects.
      const source = operation === AtomicOp.ADD ? `r${insn.src}` : atomicReg(insn.src);
      return `lock *(u${bits} *)(${address(insn.dst, insn.offset)}) ${ALU_OPERATORS[operation]} ${source}`;
    }
    case 'atomicExchange':
      if (!wideAtomic && old) return UNKNOWN;
      return wideAtomic ? `r${insn.src} = xchg_64(${address(insn.dst, insn.offset)}, r${insn.src})` : `w${insn.src} = xchg32_32(${address(insn.dst, insn.offset)}, w${insn.src})`;
    case 'atomicCompareExchange':
      if (!wideAtomic && old) return UNKNOWN;
      return wideAtomic
        ? `r0 = cmpxchg_64(${address(insn.dst, insn.offset)}, r0, r${insn.src})`
        : `w0 = cmpxchg32_32(${address(insn.dst, insn.offset)}, w0, w${insn.src})`;
    case 'loadAcquire': return old ? UNKNOWN : `${atomicReg(insn.dst)} = load_acquire((u${bits} *)(${address(insn.src, insn.offset)}))`;
    case 'storeRelease': return old ? UNKNOWN : `store_release((u${bits} *)(${address(insn.dst, insn.offset)}), ${atomicReg(insn.src)})`;
    case 'speculationBarrier': return UNKNOWN;
    case 'conditionalJump': {
      if (op === JumpOp.JSET && old) return UNKNOWN;
      const right = opcodeSource(insn.opcode) === Source.X ? reg(insn.src) : `${insn.imm}`;
      return `if ${reg(insn.dst)} ${JUMP_OPERATORS[op]} ${right} goto ${relative(insn.offset)}`;
    }
    case 'jump': return `goto ${relative(insn.offset)}`;
    case 'jumpLong': return old ? UNKNOWN : `gotol ${relative(insn.imm)}`;
    case 'jumpIndirect': return old ? UNKNOWN : `gotox r${insn.dst}`;
    case 'mayGoto': return old ? UNKNOWN : `may_goto ${relative(insn.offset)}`;
    case 'callHelper':
    case 'callFunction':
    case 'callKernelFunction': return `call ${insn.imm}`;
    // LLVM 14's callx takes its register from the imm field.
    case 'callIndirect': return `callx r${insn.imm}`;
    case 'exit': return 'exit';
  }
}

/** Branches llvm-objdump annotates with their target symbol. */
function branchTarget(insn: Instruction, slot: number, compat: 'latest' | 'llvm14'): bigint | undefined {
  const kind = classifyInstruction(insn);
  const targetSlot = kind === 'conditionalJump' || kind === 'jump' || (kind === 'mayGoto' && compat === 'latest') ? slot + 1 + insn.offset
    : kind === 'jumpLong' && compat === 'latest' ? slot + 1 + insn.imm : undefined;
  if (targetSlot === undefined) return undefined;
  // llvm-objdump computes the address in 64-bit unsigned arithmetic, so a jump before the section wraps.
  return BigInt.asUintN(64, BigInt(targetSlot) * 8n);
}

const hex16 = (value: number | bigint) => value.toString(16).padStart(16, '0');

/**
 * The disassembly of one code section as llvm-objdump prints it after `Disassembly of section NAME:`:
 * for each symbol an empty line and `0000000000000158 <LBB0_3>:`, then `      43:\tw1 = w8` lines.
 * Jump targets get ` <symbol+0xoffset>` from the nearest symbol at or before them.
 */
export function disassembleLlvm(code: Uint8Array | readonly Instruction[], options: LlvmDisassemblyOptions = {}): string[] {
  const compat = options.compat ?? 'latest';
  const instructions = code instanceof Uint8Array ? decodeInstructions(code, { strict: false, byteOrder: options.byteOrder ?? 'little' }) : code;
  const symbols = [...(options.symbols ?? [])].sort((a, b) => a.offset - b.offset || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  let nextSymbol = 0;
  let slot = 0;
  const targetName = (target: bigint): string | undefined => {
    let found: SectionSymbol | undefined;
    for (const symbol of symbols) {
      if (BigInt(symbol.offset) <= target) found = symbol;
      else break;
    }
    if (found === undefined) return undefined;
    const delta = target - BigInt(found.offset);
    return delta === 0n ? `<${found.name}>` : `<${found.name}+0x${delta.toString(16)}>`;
  };
  for (const insn of instructions) {
    const at = slot * 8;
    // Symbols inside an instruction (the second slot of ld_imm64) are printed before it, as llvm-objdump does.
    const width = insn.nextImm !== undefined ? 16 : 8;
    while (nextSymbol < symbols.length && symbols[nextSymbol]!.offset < at + width) {
      const symbol = symbols[nextSymbol++]!;
      lines.push('', `${hex16(symbol.offset)} <${symbol.name}>:`);
    }
    let text = formatLlvmInstruction(insn, compat);
    const target = text === UNKNOWN ? undefined : branchTarget(insn, slot, compat);
    const annotation = target === undefined ? undefined : targetName(target);
    if (annotation !== undefined) text += ` ${annotation}`;
    lines.push(`${String(slot).padStart(8)}:\t${text}`);
    slot += width / 8;
  }
  return lines;
}
