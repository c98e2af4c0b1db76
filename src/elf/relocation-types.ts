/**
 * Relocation type numbers and readelf's names for them, per machine. BPF's come from LLVM's
 * ELFRelocs/BPF.def (the ones clang writes into BPF objects); x86-64's cover what host objects
 * with USDT notes carry.
 */
import { ElfMachine } from './constants.js';

/** R_BPF_*: what each relocation patches in a BPF object. */
export const BpfRelocation = {
  /** No-op. */
  None: 0,
  /** ld_imm64 of a map or global: the 64-bit immediate split over two instructions. */
  Bpf64_64: 1,
  /** A 64-bit absolute address in data (e.g. .maps initialisers, DWARF). */
  Bpf64_Abs64: 2,
  /** A 32-bit absolute value in data (DWARF, .BTF, .BTF.ext). */
  Bpf64_Abs32: 3,
  /** A 32-bit value a loader should not resolve against a load address (.BTF.ext, DWARF). */
  Bpf64_NoDyld32: 4,
  /** A bpf-to-bpf call or kfunc call: the imm of a call instruction. */
  Bpf64_32: 10,
} as const;

const BPF_NAMES: Readonly<Record<number, string>> = {
  0: 'R_BPF_NONE', 1: 'R_BPF_64_64', 2: 'R_BPF_64_ABS64', 3: 'R_BPF_64_ABS32', 4: 'R_BPF_64_NODYLD32', 10: 'R_BPF_64_32',
};

const X86_64_NAMES: Readonly<Record<number, string>> = {
  0: 'R_X86_64_NONE', 1: 'R_X86_64_64', 2: 'R_X86_64_PC32', 3: 'R_X86_64_GOT32', 4: 'R_X86_64_PLT32',
  5: 'R_X86_64_COPY', 6: 'R_X86_64_GLOB_DAT', 7: 'R_X86_64_JUMP_SLOT', 8: 'R_X86_64_RELATIVE',
  9: 'R_X86_64_GOTPCREL', 10: 'R_X86_64_32', 11: 'R_X86_64_32S', 12: 'R_X86_64_16', 13: 'R_X86_64_PC16',
  14: 'R_X86_64_8', 15: 'R_X86_64_PC8', 16: 'R_X86_64_DTPMOD64', 17: 'R_X86_64_DTPOFF64', 18: 'R_X86_64_TPOFF64',
  19: 'R_X86_64_TLSGD', 20: 'R_X86_64_TLSLD', 21: 'R_X86_64_DTPOFF32', 22: 'R_X86_64_GOTTPOFF',
  23: 'R_X86_64_TPOFF32', 24: 'R_X86_64_PC64', 25: 'R_X86_64_GOTOFF64', 26: 'R_X86_64_GOTPC32',
  37: 'R_X86_64_IRELATIVE', 41: 'R_X86_64_GOTPCRELX', 42: 'R_X86_64_REX_GOTPCRELX',
};

/** readelf's name for relocation `type` on `machine`, or `unrecognized: N` as readelf says. */
export function relocationTypeName(machine: number, type: number): string {
  const names = machine === ElfMachine.Bpf ? BPF_NAMES : machine === ElfMachine.X86_64 ? X86_64_NAMES : undefined;
  return names?.[type] ?? `unrecognized: ${type.toString(16)}`;
}
