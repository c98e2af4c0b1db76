/**
 * USDT argument specifications: the note's "SIZE@OPERAND" words, e.g. `-4@%edi`, `8@-8(%rbp)`, `-4@$5`
 * on x86-64 (other architectures' operands: usdt-operands.ts), parsed and encoded as the `struct __bpf_usdt_spec` that libbpf's <bpf/usdt.bpf.h> reads from
 * its `__bpf_usdt_specs` map. A negative size means a signed argument. Pure: no kernel, no files.
 */
import { InvalidArgumentError } from '../errors.js';
import { parseUsdtOperand, UsdtArgumentError, type UsdtArchitecture, type UsdtOperand } from './usdt-operands.js';

export { UsdtArgumentError, UsdtArgumentKind, X86_64_PT_REGS_OFFSETS, usdtArchitectureOf, type UsdtArchitecture } from './usdt-operands.js';

export interface UsdtArgument extends UsdtOperand {
  /** 1, 2, 4 or 8 bytes. */
  size: number;
  signed: boolean;
}

const SIZE_AND_OPERAND = /^(-?\d+)@(.+)$/;

/** One "SIZE@OPERAND" word. */
export function parseUsdtArgument(word: string, architecture: UsdtArchitecture = 'x86_64'): UsdtArgument {
  const match = SIZE_AND_OPERAND.exec(word);
  if (!match) throw new InvalidArgumentError(`USDT argument '${word}' is not SIZE@OPERAND`, 'the stapsdt note is malformed, or written for another architecture');
  const sizeText = Number(match[1]);
  const size = Math.abs(sizeText);
  if (![1, 2, 4, 8].includes(size)) throw new InvalidArgumentError(`USDT argument '${word}' has size ${sizeText}; sizes are ±1, ±2, ±4 or ±8`, 'the stapsdt note is malformed');
  const signed = sizeText < 0;
  return { ...parseUsdtOperand(match[2]!, word, architecture), size, signed };
}

/**
 * A note's whole argument string: space-separated words, empty for a probe without arguments. arm64's
 * memory operands hold a space inside their brackets (`-4@[sp, 96]`), so a word ends only outside them.
 */
export function parseUsdtArguments(text: string, architecture: UsdtArchitecture = 'x86_64'): UsdtArgument[] {
  const words = text.match(/(?:\[[^\]]*\]|\S)+/g) ?? [];
  if (words.length > USDT_MAX_ARGUMENTS) {
    throw new UsdtArgumentError(`USDT probe with ${words.length} arguments`, `it holds at most ${USDT_MAX_ARGUMENTS}`);
  }
  return words.map((word) => parseUsdtArgument(word, architecture));
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
