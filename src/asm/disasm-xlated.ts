/**
 * bpftool's dialect: `bpftool prog dump xlated` text, line for line. The instruction text is the
 * kernel's own printer (kernel/bpf/disasm.c, shared with the verifier log); bpftool adds the `% 4d: `
 * slot numbers and two callbacks, one naming calls and one naming ld_imm64 constants (map ids). The
 * bytes this is fed are the kernel's rewrite of a program (`programInstructions(fd, 'xlated')`), where
 * a helper call's imm is an address offset from __bpf_call_base and map pointers already carry map ids.
 */
import { decodeInstructions } from './decode.js';
import { encodeInstructions } from './encode.js';
import { builtinHelperName, type HelperNameLookup } from './helpers.js';
import { constant64, type Instruction } from './instruction.js';
import {
  AluOp, AtomicOp, CallSource, InstructionClass, JumpCondition, JumpOp, LOAD_IMM64_OPCODE, LoadSource, Mode, Size, Source,
  opcodeClass, opcodeMode, opcodeOperation, opcodeSize, opcodeSource,
} from './opcodes.js';

export interface XlatedOptions {
  /**
   * Helper names by id (default: tsbpf's table). Like the kernel's, it is consulted first for any call
   * with src 0 whose imm is a known id.
   */
  helperName?: HelperNameLookup;
  /** Names a call the helper table does not (bpftool's `cb_call`); see bpftoolCallNames. */
  callName?: (insn: Instruction) => string | undefined;
  /** Names an ld_imm64 constant (bpftool's `cb_imm`); default bpftoolConstantName. */
  constantName?: (insn: Instruction, value: bigint) => string;
  /** Lines printed before the instruction at a slot: BTF function signatures (`int prog(void * ctx):`), source lines. */
  linesBefore?: (slot: number) => readonly string[];
  /** bpftool's `opcodes` keyword: each instruction's bytes in hex on the next line. */
  opcodes?: boolean;
}

/** `%+d` */
const signed = (n: number) => (n < 0 ? `${n}` : `+${n}`);
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
/** printf("%s", NULL) in glibc, which is what the kernel printer's tables yield for holes. */
const orNull = (text: string | undefined) => text ?? '(null)';

const ALU_STRINGS: Readonly<Record<number, string>> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=', [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.NEG]: 'neg', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=', [AluOp.MOV]: '=',
  [AluOp.ARSH]: 's>>=', [AluOp.END]: 'endian',
};
const SIGNED_ALU_STRINGS: Readonly<Record<number, string>> = { [AluOp.DIV]: 's/=', [AluOp.MOD]: 's%=' };
const MOVSX_STRINGS: Readonly<Record<number, string>> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };
const ATOMIC_ALU_STRINGS: Readonly<Record<number, string>> = { [AtomicOp.ADD]: 'add', [AtomicOp.AND]: 'and', [AtomicOp.OR]: 'or', [AtomicOp.XOR]: 'xor' };
const LDST_STRINGS: Readonly<Record<number, string>> = { [Size.W]: 'u32', [Size.H]: 'u16', [Size.B]: 'u8', [Size.DW]: 'u64' };
const LDSX_STRINGS: Readonly<Record<number, string>> = { [Size.W]: 's32', [Size.H]: 's16', [Size.B]: 's8' };
const JUMP_STRINGS: Readonly<Record<number, string>> = {
  [JumpOp.JA]: 'jmp', [JumpOp.JEQ]: '==', [JumpOp.JGT]: '>', [JumpOp.JLT]: '<', [JumpOp.JGE]: '>=', [JumpOp.JLE]: '<=',
  [JumpOp.JSET]: '&', [JumpOp.JNE]: '!=', [JumpOp.JSGT]: 's>', [JumpOp.JSLT]: 's<', [JumpOp.JSGE]: 's>=', [JumpOp.JSLE]: 's<=',
  [JumpOp.CALL]: 'call', [JumpOp.EXIT]: 'exit',
};

/** bpftool's print_imm: map references by id (the kernel put ids there), subprograms, else the hex constant. */
export function bpftoolConstantName(insn: Instruction, value: bigint): string {
  const next = (insn.nextImm ?? 0) >>> 0;
  switch (insn.src) {
    case LoadSource.MAP_FD: return `map[id:${insn.imm >>> 0}]`;
    case LoadSource.MAP_VALUE: return `map[id:${insn.imm >>> 0}][0]+${next}`;
    case LoadSource.MAP_IDX_VALUE: return `map[idx:${insn.imm >>> 0}]+${next}`;
    case LoadSource.FUNC: return `subprog[${signed(insn.imm)}]`;
    default: return `0x${value.toString(16)}`;
  }
}

/** What bpftool knows about the running kernel to name calls in xlated code. */
export interface KernelCallContext {
  /** Address of `__bpf_call_base` (/proc/kallsyms); helper and kfunc imms are offsets from it. */
  callBase: bigint;
  /** Exact-address symbol lookup (/proc/kallsyms). */
  symbolAt: (address: bigint) => string | undefined;
  /** The program's `jited_ksyms` (one address per subprogram), empty when not JIT-compiled. */
  jitedKsyms: readonly bigint[];
}

/**
 * bpftool's print_call: a bpf-to-bpf call is `+off` (with `#symbol` or `#0xaddress` once JIT-compiled);
 * a helper or kfunc is the kernel symbol at __bpf_call_base + imm, or that address in hex.
 */
export function bpftoolCallNames(context: KernelCallContext): (insn: Instruction) => string {
  return (insn) => {
    let address = BigInt.asUintN(64, context.callBase + BigInt(insn.imm));
    if (insn.src === CallSource.PSEUDO_CALL && insn.imm >= 0 && insn.imm < context.jitedKsyms.length) address = context.jitedKsyms[insn.imm]!;
    const symbol = context.symbolAt(address);
    if (insn.src === CallSource.PSEUDO_CALL) {
      if (context.jitedKsyms.length === 0) return signed(insn.offset);
      return symbol !== undefined ? `${signed(insn.offset)}#${symbol}` : `${signed(insn.offset)}#0x${address.toString(16)}`;
    }
    return symbol ?? `0x${address.toString(16)}`;
  };
}

/** One instruction as the kernel prints it: `(b7) r0 = 0`. */
export function formatXlatedInstruction(insn: Instruction, options: XlatedOptions = {}): string {
  const code = `(${hex2(insn.opcode)})`;
  const cls = opcodeClass(insn.opcode);
  const op = opcodeOperation(insn.opcode);
  const mode = opcodeMode(insn.opcode);
  const size = opcodeSize(insn.opcode);
  const register = opcodeSource(insn.opcode) === Source.X;
  const memory = (base: number) => `(r${base} ${signed(insn.offset)})`;
  if (cls === InstructionClass.ALU || cls === InstructionClass.ALU64) {
    const r = cls === InstructionClass.ALU ? 'w' : 'r';
    if (op === AluOp.END) {
      if (cls === InstructionClass.ALU64) return `${code} r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
      return `${code} r${insn.dst} = ${register ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
    }
    if (op === AluOp.NEG) return `${code} ${r}${insn.dst} = -${r}${insn.dst}`;
    if (insn.opcode === (InstructionClass.ALU64 | AluOp.MOV | Source.X) && insn.offset === 1) {
      return `${code} r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
    }
    const signedDivision = (op === AluOp.DIV || op === AluOp.MOD) && insn.offset === 1;
    const operator = orNull(signedDivision ? SIGNED_ALU_STRINGS[op] : ALU_STRINGS[op]);
    if (register) {
      const movsx = op === AluOp.MOV && (insn.offset === 8 || insn.offset === 16 || insn.offset === 32) ? MOVSX_STRINGS[insn.offset]! : '';
      return `${code} ${r}${insn.dst} ${operator} ${movsx}${r}${insn.src}`;
    }
    return `${code} ${r}${insn.dst} ${operator} ${insn.imm}`;
  }
  if (cls === InstructionClass.STX) {
    const type = orNull(LDST_STRINGS[size]);
    const width = size === Size.DW ? '64' : '';
    if (mode === Mode.MEM) return `${code} *(${type} *)${memory(insn.dst)} = r${insn.src}`;
    if (mode === Mode.ATOMIC) {
      const imm = insn.imm;
      if (imm === AtomicOp.ADD || imm === AtomicOp.AND || imm === AtomicOp.OR || imm === AtomicOp.XOR) {
        return `${code} lock *(${type} *)${memory(insn.dst)} ${ALU_STRINGS[imm]} r${insn.src}`;
      }
      const operation = imm & ~AtomicOp.FETCH;
      if ((imm & AtomicOp.FETCH) !== 0 && ATOMIC_ALU_STRINGS[operation] !== undefined) {
        return `${code} r${insn.src} = atomic${width}_fetch_${ATOMIC_ALU_STRINGS[operation]}((${type} *)${memory(insn.dst)}, r${insn.src})`;
      }
      if (imm === AtomicOp.CMPXCHG) return `${code} r0 = atomic${width}_cmpxchg((${type} *)${memory(insn.dst)}, r0, r${insn.src})`;
      if (imm === AtomicOp.XCHG) return `${code} r${insn.src} = atomic${width}_xchg((${type} *)${memory(insn.dst)}, r${insn.src})`;
      if (imm === AtomicOp.LOAD_ACQUIRE) return `${code} r${insn.dst} = load_acquire((${type} *)${memory(insn.src)})`;
      if (imm === AtomicOp.STORE_RELEASE) return `${code} store_release((${type} *)${memory(insn.dst)}, r${insn.src})`;
    }
    return `BUG_${hex2(insn.opcode)}`;
  }
  if (cls === InstructionClass.ST) {
    if (mode === Mode.MEM) return `${code} *(${orNull(LDST_STRINGS[size])} *)${memory(insn.dst)} = ${insn.imm}`;
    if (mode === Mode.NOSPEC) return `${code} nospec`;
    return `BUG_st_${hex2(insn.opcode)}`;
  }
  if (cls === InstructionClass.LDX) {
    if (mode !== Mode.MEM && mode !== Mode.MEMSX) return `BUG_ldx_${hex2(insn.opcode)}`;
    return `${code} r${insn.dst} = *(${orNull(mode === Mode.MEM ? LDST_STRINGS[size] : LDSX_STRINGS[size])} *)${memory(insn.src)}`;
  }
  if (cls === InstructionClass.LD) {
    const type = orNull(LDST_STRINGS[size]);
    if (mode === Mode.ABS) return `${code} r0 = *(${type} *)skb[${insn.imm}]`;
    if (mode === Mode.IND) return `${code} r0 = *(${type} *)skb[r${insn.src} + ${insn.imm}]`;
    if (insn.opcode === LOAD_IMM64_OPCODE) {
      const name = (options.constantName ?? bpftoolConstantName)(insn, constant64(insn));
      return `${code} r${insn.dst} = ${name}`;
    }
    return `BUG_ld_${hex2(insn.opcode)}`;
  }
  // JMP and JMP32
  const r = cls === InstructionClass.JMP32 ? 'w' : 'r';
  if (op === JumpOp.CALL) {
    if (insn.src === CallSource.PSEUDO_CALL) return `${code} call pc${callName(insn, options, '')}`;
    return `${code} call ${callName(insn, options, 'unknown')}#${insn.imm}`;
  }
  if (insn.opcode === (InstructionClass.JMP | JumpOp.JA)) return `${code} goto pc${signed(insn.offset)}`;
  if (insn.opcode === (InstructionClass.JMP | JumpOp.JA | Source.X)) return `${code} gotox r${insn.dst}`;
  if (insn.opcode === (InstructionClass.JMP | JumpOp.JCOND) && insn.src === JumpCondition.MAY_GOTO) return `${code} may_goto pc${signed(insn.offset)}`;
  if (insn.opcode === (InstructionClass.JMP32 | JumpOp.JA)) return `${code} gotol pc${signed(insn.imm)}`;
  if (insn.opcode === (InstructionClass.JMP | JumpOp.EXIT)) return `${code} exit`;
  const operator = orNull(JUMP_STRINGS[op]);
  if (register) return `${code} if ${r}${insn.dst} ${operator} ${r}${insn.src} goto pc${signed(insn.offset)}`;
  return `${code} if ${r}${insn.dst} ${operator} 0x${(insn.imm >>> 0).toString(16)} goto pc${signed(insn.offset)}`;
}

/** The kernel's __func_get_name: the helper table first (src 0 only), then the callback, then a fallback. */
function callName(insn: Instruction, options: XlatedOptions, fallback: string): string {
  if (insn.src === CallSource.HELPER) {
    const helper = (options.helperName ?? builtinHelperName)(insn.imm);
    if (helper !== undefined) return `bpf_${helper}`;
  }
  const named = options.callName?.(insn);
  if (named !== undefined) return named;
  if (insn.src === CallSource.PSEUDO_CALL) return signed(insn.imm);
  if (insn.src === CallSource.KFUNC) return 'kernel-function';
  return fallback;
}

const hexBytes = (bytes: Uint8Array) => [...bytes].map(hex2).join(' ');

/**
 * The text of `bpftool prog dump xlated` for a program (no trailing newline per line): `   0: (b7) r0 = 0`,
 * one line per logical instruction numbered by slot, ld_imm64 taking two numbers.
 */
export function disassembleXlated(code: Uint8Array | readonly Instruction[], options: XlatedOptions = {}): string[] {
  const bytes = code instanceof Uint8Array ? code : undefined;
  const instructions = bytes !== undefined ? decodeInstructions(bytes, { strict: false }) : code as readonly Instruction[];
  const lines: string[] = [];
  let slot = 0;
  for (const insn of instructions) {
    if (options.linesBefore) lines.push(...options.linesBefore(slot));
    lines.push(`${` ${slot}`.padStart(4)}: ${formatXlatedInstruction(insn, options)}`);
    const wide = insn.nextImm !== undefined;
    if (options.opcodes) {
      const raw = bytes ?? encodeInstructions([insn]);
      const start = bytes !== undefined ? slot * 8 : 0;
      lines.push(`       ${hexBytes(raw.subarray(start, start + 8))}${wide ? ` ${hexBytes(raw.subarray(start + 8, start + 16))}` : ''}`);
    }
    slot += wide ? 2 : 1;
  }
  return lines;
}
