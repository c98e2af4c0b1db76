/**
 * USDT argument specifications (x86-64): the note's "SIZE@OPERAND" words, e.g. `-4@%edi`, `8@-8(%rbp)`,
 * `-4@$5`, parsed and encoded as the `struct __bpf_usdt_spec` that libbpf's <bpf/usdt.bpf.h> reads from
 * its `__bpf_usdt_specs` map. A negative size means a signed argument. Pure: no kernel, no files.
 */
import { InvalidArgumentError, NotSupportedError } from '../errors.js';

/** enum __bpf_usdt_arg_type in usdt.bpf.h. */
export enum UsdtArgumentKind {
  /** `$N`: the value is the constant itself. */
  Constant = 0,
  /** `%reg`: the value is in a register. */
  Register = 1,
  /** `OFF(%reg)`: the value is in user memory at register + offset. */
  RegisterDereference = 2,
}

export interface UsdtArgument {
  kind: UsdtArgumentKind;
  /** The constant (Constant) or the memory offset (RegisterDereference); 0 for Register. */
  value: bigint;
  /** Byte offset of the register in the user `struct pt_regs` (unused for Constant). */
  registerOffset: number;
  /** The register as written in the note (`edi`), or '' for a constant. */
  register: string;
  /** 1, 2, 4 or 8 bytes. */
  size: number;
  signed: boolean;
}

/**
 * x86-64 `struct pt_regs` (uapi asm/ptrace.h, the frame a uprobe hands its program): each 64-bit
 * register's byte offset. The 32/16/8-bit names read the whole register; the size then narrows it.
 * usdt.test.ts checks these against the running kernel's BTF.
 */
export const X86_64_PT_REGS_OFFSETS: Readonly<Record<string, number>> = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, rip: 128, rsp: 152,
};

/** Every name a 64-bit register goes by (`eax`, `ax`, `al` are all rax). High-byte names (`ah`) are not here: they would need a shift. */
const REGISTER_ALIASES: Readonly<Record<string, string>> = (() => {
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

/** The pt_regs offset of register `name` as the note writes it (without its `%`). */
export function registerOffset(name: string, argument: string): number {
  const canonical = REGISTER_ALIASES[name];
  const offset = canonical === undefined ? undefined : X86_64_PT_REGS_OFFSETS[canonical];
  if (offset === undefined) {
    throw new NotSupportedError(`USDT argument '${argument}'`, `register %${name} has no slot tsbpf reads in x86-64 pt_regs`, 'the probe cannot be traced by usdt.bpf.h; trace another probe or attach a plain uprobe');
  }
  return offset;
}

const SIZE_AND_OPERAND = /^(-?\d+)@(.+)$/;
const CONSTANT = /^\$(-?(?:0x[0-9a-f]+|\d+))$/i;
const REGISTER = /^%([a-z0-9]+)$/i;
const DEREFERENCE = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+)\)$/i;

/** One "SIZE@OPERAND" word. */
export function parseUsdtArgument(word: string): UsdtArgument {
  const match = SIZE_AND_OPERAND.exec(word);
  if (!match) throw new InvalidArgumentError(`USDT argument '${word}' is not SIZE@OPERAND`, 'the stapsdt note is malformed, or written for another architecture');
  const sizeText = Number(match[1]);
  const size = Math.abs(sizeText);
  if (![1, 2, 4, 8].includes(size)) throw new InvalidArgumentError(`USDT argument '${word}' has size ${sizeText}; sizes are ±1, ±2, ±4 or ±8`, 'the stapsdt note is malformed');
  const signed = sizeText < 0;
  const operand = match[2]!;
  let found: RegExpExecArray | null;
  if ((found = CONSTANT.exec(operand))) {
    return { kind: UsdtArgumentKind.Constant, value: parseSignedInteger(found[1]!), registerOffset: 0, register: '', size, signed };
  }
  if ((found = REGISTER.exec(operand))) {
    const register = found[1]!.toLowerCase();
    return { kind: UsdtArgumentKind.Register, value: 0n, registerOffset: registerOffset(register, word), register, size, signed };
  }
  if ((found = DEREFERENCE.exec(operand))) {
    const register = found[2]!.toLowerCase();
    return { kind: UsdtArgumentKind.RegisterDereference, value: found[1] === undefined ? 0n : parseSignedInteger(found[1]), registerOffset: registerOffset(register, word), register, size, signed };
  }
  throw new NotSupportedError(`USDT argument '${word}'`, 'tsbpf reads constants ($N), registers (%reg) and register-relative memory (OFF(%reg)); scaled-index operands are not in usdt.bpf.h of libbpf 1.1', 'trace another probe or attach a plain uprobe');
}

function parseSignedInteger(text: string): bigint {
  return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
}

/** A note's whole argument string: space-separated words, empty for a probe without arguments. */
export function parseUsdtArguments(text: string): UsdtArgument[] {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length > USDT_MAX_ARGUMENTS) {
    throw new NotSupportedError(`USDT probe with ${words.length} arguments`, `usdt.bpf.h holds at most ${USDT_MAX_ARGUMENTS}`, 'trace another probe or attach a plain uprobe');
  }
  return words.map(parseUsdtArgument);
}

/** BPF_USDT_MAX_ARG_CNT in usdt.bpf.h. */
export const USDT_MAX_ARGUMENTS = 12;
/** sizeof(struct __bpf_usdt_arg_spec): u64 val_off, enum arg_type, short reg_off, bool arg_signed, char arg_bitshift. */
export const USDT_ARGUMENT_SPEC_SIZE = 16;
/** sizeof(struct __bpf_usdt_spec): the argument specs, u64 usdt_cookie, short arg_cnt, padded to 8. */
export const USDT_SPEC_SIZE = 208;
const COOKIE_OFFSET = USDT_MAX_ARGUMENTS * USDT_ARGUMENT_SPEC_SIZE;
const COUNT_OFFSET = COOKIE_OFFSET + 8;

/** `struct __bpf_usdt_spec` bytes (host byte order) for `arguments` and the user's `cookie`. */
export function encodeUsdtSpec(arguments_: readonly UsdtArgument[], cookie: bigint, littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(USDT_SPEC_SIZE);
  const view = new DataView(bytes.buffer);
  arguments_.forEach((argument, index) => {
    const at = index * USDT_ARGUMENT_SPEC_SIZE;
    view.setBigUint64(at, BigInt.asUintN(64, argument.value), littleEndian);
    view.setUint32(at + 8, argument.kind, littleEndian);
    view.setInt16(at + 12, argument.registerOffset, littleEndian);
    view.setUint8(at + 14, argument.signed ? 1 : 0);
    // bits to shift out (and back, sign-extending when signed) to narrow the u64 read to the size
    view.setUint8(at + 15, 64 - argument.size * 8);
  });
  view.setBigUint64(COOKIE_OFFSET, BigInt.asUintN(64, cookie), littleEndian);
  view.setInt16(COUNT_OFFSET, arguments_.length, littleEndian);
  return bytes;
}
