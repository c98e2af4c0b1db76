/**
 * How libbpf 1.1 rewrites an instruction that refers to an extern (libbpf.c: bpf_object__relocate_data,
 * RELO_EXTERN_VAR and RELO_EXTERN_FUNC):
 *
 * - ld_imm64 of a .kconfig value: BPF_PSEUDO_MAP_VALUE of the .kconfig map at the value's offset (any
 *   addend clang left in the instruction is ignored, as libbpf ignores it);
 * - ld_imm64 of a resolved typed ksym: BPF_PSEUDO_BTF_ID, imm the kernel BTF id, the second imm the
 *   module BTF's fd (0 for vmlinux). For a kfunc's address libbpf 1.1 never sets that fd, so it is 0
 *   even for a module kfunc (1.2+ puts the module fd there);
 * - ld_imm64 of a typeless ksym: its address as a plain constant; of an unresolved weak one: 0;
 * - a kfunc call: BPF_PSEUDO_KFUNC_CALL, imm the BTF id, off the module BTF's index in the program's
 *   fd_array (0 for vmlinux); an unresolved weak kfunc: imm 0 and off 0, which the verifier accepts in
 *   dead code (libbpf 1.2+ instead poisons it as an invalid helper call).
 */
import type { Instruction } from '../asm/instruction.js';
import { CallSource, LOAD_IMM64_OPCODE, LoadSource } from '../asm/opcodes.js';
import { ExternError } from './externs-error.js';
import type { ExternSpec } from './externs.js';
import type { KsymResolution } from './externs-ksym.js';

const CALL_OPCODE = 0x85;

/**
 * The instruction libbpf would load in place of `insn`. `moduleBtfFd(btfIndex)` gives a module BTF's
 * fd (for ld_imm64 of module variables); `fdArrayIndex(btfIndex)` its index in the fd_array passed
 * with BPF_PROG_LOAD (for calls of module kfuncs; libbpf starts at 1, 0 being vmlinux).
 */
export function patchExternInstruction(
  insn: Instruction,
  extern: ExternSpec,
  resolution: KsymResolution | { kind: 'kconfig'; mapFd: number },
  moduleBtfFd?: (btfIndex: number) => number,
  fdArrayIndex?: (btfIndex: number) => number,
): Instruction {
  if (insn.opcode === CALL_OPCODE) return patchCall(insn, extern, resolution, fdArrayIndex);
  if (insn.opcode !== LOAD_IMM64_OPCODE) {
    throw new ExternError(extern.name, `referenced by an instruction with opcode 0x${insn.opcode.toString(16)}, not an ld_imm64 or a call`, 'the object is corrupt: rebuild it');
  }
  if (insn.nextImm === undefined) {
    throw new ExternError(extern.name, 'referenced by an ld_imm64 given without its second slot', 'pass the ld_imm64 as one logical instruction (with nextImm)');
  }
  switch (resolution.kind) {
    case 'kconfig':
      if (extern.kind !== 'kconfig' || !extern.kconfig) throw new ExternError(extern.name, 'a .kconfig map value given for an extern that is not in .kconfig', 'resolve it with resolveKsym');
      return { ...insn, src: LoadSource.MAP_VALUE, imm: resolution.mapFd | 0, nextImm: extern.kconfig.offset | 0 };
    case 'btf-id': {
      requireKsym(extern, resolution.kind);
      // libbpf 1.1 records a module's BTF fd for variables only
      const fd = extern.kind === 'kfunc' || resolution.btfIndex === 0 ? 0 : need(moduleBtfFd, 'moduleBtfFd', extern)(resolution.btfIndex);
      return { ...insn, src: LoadSource.BTF_ID, imm: resolution.typeId | 0, nextImm: fd | 0 };
    }
    case 'address': {
      requireKsym(extern, resolution.kind);
      const split = constant64WordsOf(resolution.address);
      return { ...insn, imm: split.low, nextImm: split.high };
    }
    case 'missing-weak':
      requireKsym(extern, resolution.kind);
      return { ...insn, imm: 0, nextImm: 0 };
  }
}

function patchCall(
  insn: Instruction,
  extern: ExternSpec,
  resolution: KsymResolution | { kind: 'kconfig'; mapFd: number },
  fdArrayIndex: ((btfIndex: number) => number) | undefined,
): Instruction {
  if (extern.kind !== 'kfunc') throw new ExternError(extern.name, `called, but it is a ${extern.kind} extern, not a kfunc`, 'call only functions declared `extern ... __ksym`');
  switch (resolution.kind) {
    case 'btf-id': {
      const index = resolution.btfIndex === 0 ? 0 : need(fdArrayIndex, 'fdArrayIndex', extern)(resolution.btfIndex);
      if (!Number.isInteger(index) || index < 0 || index > 0x7fff) {
        throw new ExternError(extern.name, `fd_array index ${index} does not fit a call's 16-bit offset`, 'load fewer module BTFs for one program');
      }
      return { ...insn, src: CallSource.KFUNC, imm: resolution.typeId | 0, offset: index };
    }
    case 'missing-weak':
      return { ...insn, src: CallSource.KFUNC, imm: 0, offset: 0 };
    default:
      throw new ExternError(extern.name, `a kfunc call can't take a ${resolution.kind} resolution`, 'resolve kfuncs with resolveKsym against kernel BTF');
  }
}

function requireKsym(extern: ExternSpec, resolution: string): void {
  if (extern.kind === 'kconfig') throw new ExternError(extern.name, `a .kconfig extern given a ${resolution} resolution`, 'pass { kind: \'kconfig\', mapFd } for .kconfig externs');
}

function need<T>(callback: T | undefined, name: string, extern: ExternSpec): T {
  if (callback === undefined) throw new ExternError(extern.name, `resolved in a module's BTF, and no ${name} callback was given`, `pass ${name} to patchExternInstruction`);
  return callback;
}

/** A 64-bit constant as ld_imm64's two signed 32-bit immediates (low, then high). */
function constant64WordsOf(value: bigint): { low: number; high: number } {
  const unsigned = BigInt.asUintN(64, value);
  return { low: Number(BigInt.asIntN(32, unsigned)), high: Number(BigInt.asIntN(32, unsigned >> 32n)) };
}
