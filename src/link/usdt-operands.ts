/**
 * USDT argument operands per architecture: how each one's assembler writes a register, a constant and
 * register-relative memory in a stapsdt note, and where each register sits in the `struct pt_regs` a
 * uprobe hands its program (the program reads the argument from there). Offsets are from each
 * architecture's uapi asm/ptrace.h; x86-64's are checked against the running kernel's BTF in
 * usdt-args.test.ts. Pure: no kernel, no files.
 */
import { InvalidArgumentError } from '../errors.js';

/** A USDT probe whose arguments usdt.bpf.h cannot read (an operand form, a register, an architecture). */
export class UsdtArgumentError extends InvalidArgumentError {
  constructor(what: string, problem: string, hint = 'trace another probe or attach a plain uprobe') {
    super(`${what} cannot be read by usdt.bpf.h: ${problem}`, hint);
  }
}
import { ElfMachine } from '../elf/index.js';

/** The architectures whose USDT operands tsbpf reads, by the names `uname -m` gives them. */
export type UsdtArchitecture = 'x86_64' | 'aarch64' | 'riscv64' | 's390x';

/** enum __bpf_usdt_arg_type in usdt.bpf.h. */
export enum UsdtArgumentKind {
  /** `$N`: the value is the constant itself. */
  Constant = 0,
  /** `%reg`: the value is in a register. */
  Register = 1,
  /** `OFF(%reg)`: the value is in user memory at register + offset. */
  RegisterDereference = 2,
}

export interface UsdtOperand {
  kind: UsdtArgumentKind;
  /** The constant (Constant) or the memory offset (RegisterDereference); 0 for Register. */
  value: bigint;
  /** Byte offset of the register in the user `struct pt_regs` (0 for Constant). */
  registerOffset: number;
  /** The register as written in the note (`edi`, `x0`, `a1`, `r15`), or '' for a constant. */
  register: string;
}

/**
 * x86-64 `struct pt_regs` (uapi asm/ptrace.h): each 64-bit register's byte offset. The 32/16/8-bit
 * names read the whole register; the argument's size then narrows it.
 */
export const X86_64_PT_REGS_OFFSETS: Readonly<Record<string, number>> = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, rip: 128, rsp: 152,
};

/** Every name a 64-bit register goes by (`eax`, `ax`, `al` are all rax). High-byte names (`ah`) are not here: they would need a shift. */
const X86_64_ALIASES: Readonly<Record<string, string>> = (() => {
  const aliases: Record<string, string> = {};
  for (const letter of ['a', 'b', 'c', 'd']) {
    for (const name of [`r${letter}x`, `e${letter}x`, `${letter}x`, `${letter}l`]) aliases[name] = `r${letter}x`;
  }
  for (const base of ['si', 'di', 'bp', 'sp']) {
    for (const name of [`r${base}`, `e${base}`, base, `${base}l`]) aliases[name] = `r${base}`;
  }
  for (let n = 8; n <= 15; n++) {
    for (const suffix of ['', 'd', 'w', 'b']) aliases[`r${n}${suffix}`] = `r${n}`;
  }
  aliases.rip = 'rip';
  aliases.eip = 'rip';
  return aliases;
})();

/** arm64 `struct user_pt_regs`: x0..x30 (u64 regs[31]), then sp. */
const AARCH64_OFFSETS: Readonly<Record<string, number>> = (() => {
  const offsets: Record<string, number> = { sp: 31 * 8 };
  for (let n = 0; n < 31; n++) offsets[`x${n}`] = n * 8;
  return offsets;
})();

/** riscv64 `struct user_regs_struct`: pc, ra, sp, gp, tp, t0-t2, s0-s1, a0-a7, s2-s11, t3-t6, 8 bytes each (fp is s0). */
const RISCV64_OFFSETS: Readonly<Record<string, number>> = (() => {
  const order = ['pc', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
    's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
  const offsets: Record<string, number> = {};
  order.forEach((name, index) => { offsets[name] = index * 8; });
  offsets.fp = offsets.s0!;
  return offsets;
})();

/** s390x `user_pt_regs`: unsigned long args[1], psw_t psw (16 bytes), then gprs[16]: %r0..%r15. */
const S390X_OFFSETS: Readonly<Record<string, number>> = (() => {
  const offsets: Record<string, number> = {};
  for (let n = 0; n < 16; n++) offsets[`r${n}`] = 24 + n * 8;
  return offsets;
})();

interface OperandGrammar {
  /** The pt_regs offset of a register name as the note writes it (lower case, no sigil). */
  readonly registers: (name: string) => number | undefined;
  readonly constant: RegExp;
  /** Groups: register. */
  readonly register: RegExp;
  /** Groups: offset (optional), register — in `registerFirst` order when set. */
  readonly dereference: RegExp;
  readonly registerFirst?: boolean;
  /** What the unparseable operand is likely to be, for the error. */
  readonly unsupported: string;
}

const INTEGER = '-?(?:0x[0-9a-f]+|\\d+)';

const GRAMMARS: Readonly<Record<UsdtArchitecture, OperandGrammar>> = {
  // AT&T syntax: -4@%edi, 8@-8(%rbp), 2@(%rax), -4@$5
  x86_64: {
    registers: (name) => { const canonical = X86_64_ALIASES[name]; return canonical === undefined ? undefined : X86_64_PT_REGS_OFFSETS[canonical]; },
    constant: new RegExp(`^\\$(${INTEGER})$`, 'i'),
    register: /^%([a-z0-9]+)$/i,
    dereference: new RegExp(`^(${INTEGER})?\\(%([a-z0-9]+)\\)$`, 'i'),
    unsupported: 'scaled-index operands are not in usdt.bpf.h of libbpf 1.1',
  },
  // -8@x4, -4@[sp, 96], 8@[x1], 4@5
  aarch64: {
    registers: (name) => AARCH64_OFFSETS[name],
    constant: new RegExp(`^(${INTEGER})$`, 'i'),
    register: /^([a-z][a-z0-9]*)$/i,
    dereference: new RegExp(`^\\[\\s*([a-z][a-z0-9]*)\\s*(?:,\\s*#?(${INTEGER})\\s*)?\\]$`, 'i'),
    registerFirst: true,
    unsupported: 'pre/post-indexed and register-offset addressing are not in usdt.bpf.h',
  },
  // -8@a1, -8@-88(s0), 4@5
  riscv64: {
    registers: (name) => RISCV64_OFFSETS[name],
    constant: new RegExp(`^(${INTEGER})$`, 'i'),
    register: /^([a-z][a-z0-9]*)$/i,
    dereference: new RegExp(`^(${INTEGER})?\\(([a-z][a-z0-9]*)\\)$`, 'i'),
    unsupported: 'only registers, constants and OFF(reg) are in usdt.bpf.h',
  },
  // -8@%r0, -2@-28(%r15), 4@71
  s390x: {
    registers: (name) => S390X_OFFSETS[name],
    constant: new RegExp(`^(${INTEGER})$`, 'i'),
    register: /^%([a-z0-9]+)$/i,
    dereference: new RegExp(`^(${INTEGER})?\\(%([a-z0-9]+)\\)$`, 'i'),
    unsupported: 'index registers are not in usdt.bpf.h',
  },
};

/** The architecture of an executable or library with e_machine `machine`. */
export function usdtArchitectureOf(machine: number, path = 'the file'): UsdtArchitecture {
  switch (machine) {
    case ElfMachine.X86_64: return 'x86_64';
    case ElfMachine.AArch64: return 'aarch64';
    case ElfMachine.RiscV: return 'riscv64';
    case ElfMachine.S390: return 's390x';
    default:
      throw new UsdtArgumentError(`USDT probes in ${path} (ELF machine ${machine})`,
        'tsbpf reads USDT arguments on x86-64, arm64, riscv64 and s390x', 'attach plain uprobes to the functions instead');
  }
}

/** The operand after `SIZE@` in `word`, on `architecture`. */
export function parseUsdtOperand(operand: string, word: string, architecture: UsdtArchitecture): UsdtOperand {
  const grammar = GRAMMARS[architecture];
  let found: RegExpExecArray | null;
  if ((found = grammar.constant.exec(operand))) {
    return { kind: UsdtArgumentKind.Constant, value: parseSignedInteger(found[1]!), registerOffset: 0, register: '' };
  }
  if ((found = grammar.register.exec(operand))) {
    const register = found[1]!.toLowerCase();
    return { kind: UsdtArgumentKind.Register, value: 0n, registerOffset: offsetOf(grammar, register, word, architecture), register };
  }
  if ((found = grammar.dereference.exec(operand))) {
    const [registerText, offsetText] = grammar.registerFirst ? [found[1]!, found[2]] : [found[2]!, found[1]];
    const register = registerText.toLowerCase();
    return {
      kind: UsdtArgumentKind.RegisterDereference, value: offsetText === undefined ? 0n : parseSignedInteger(offsetText),
      registerOffset: offsetOf(grammar, register, word, architecture), register,
    };
  }
  throw new UsdtArgumentError(`USDT argument '${word}'`, `tsbpf reads constants, registers and register-relative memory (${architecture}); ${grammar.unsupported}`);
}

function offsetOf(grammar: OperandGrammar, register: string, word: string, architecture: UsdtArchitecture): number {
  const offset = grammar.registers(register);
  if (offset === undefined) {
    throw new UsdtArgumentError(`USDT argument '${word}'`, `register ${register} has no slot in ${architecture} pt_regs`);
  }
  return offset;
}

function parseSignedInteger(text: string): bigint {
  return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
}
