/**
 * The .kconfig map's initial value, filled as libbpf 1.1 fills it (libbpf.c: bpf_object__resolve_externs,
 * bpf_object__process_kconfig_line, set_kcfg_value_tri/_str/_num): the virtual LINUX_* values first,
 * then CONFIG_* values in the config's line order, the first line for a name winning; a value's first
 * character picks how it is read (y/n/m, a quoted string, else an integer strtoull would accept), and
 * it must suit the extern's type and size. Strong externs left without a value are an error, weak ones
 * stay zero. Pure: the config text and kernel facts come from the caller (src/loader/kconfig-file.ts).
 */
import type { Btf } from '../btf/btf.js';
import { ExternError } from './externs-error.js';
import type { ExternSpec, KconfigLayout } from './externs.js';

/** Facts about the running kernel that LINUX_* externs carry. */
export interface KernelFacts {
  /** LINUX_VERSION_CODE (major << 16 | minor << 8 | min(patch, 255)); 0 if unknown, which libbpf refuses. */
  version: number;
  /** Whether a program calling bpf_get_attach_cookie loads (libbpf's FEAT_BPF_COOKIE probe). */
  hasBpfCookie: boolean;
  /** libbpf's FEAT_SYSCALL_WRAPPER: whether syscalls have arch-prefixed wrappers (__x64_sys_bpf, ...). */
  hasSyscallWrapper: boolean;
}

/** enum libbpf_tristate (bpf_helpers.h). */
const Tristate = { No: 0, Yes: 1, Module: 2 } as const;
const U64_MAX = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/**
 * CONFIG_* lines of a Kconfig file, name → raw value (`y`, `0x10`, `"text"` with its quotes), the first
 * line for a name winning. Other lines (comments, `# CONFIG_X is not set`) are skipped; a CONFIG_ line
 * with no `=` or no value is an error, as it is for libbpf.
 */
export function parseKernelConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('CONFIG_')) continue;
    const separator = line.indexOf('=');
    if (separator < 0) throw new ExternError('', `kernel config line '${line}' has no '='`, 'the kernel config is corrupt; pass the values yourself');
    if (separator === line.length - 1) throw new ExternError('', `kernel config line '${line}' has no value`, 'the kernel config is corrupt; pass the values yourself');
    const name = line.slice(0, separator);
    if (!values.has(name)) values.set(name, line.slice(separator + 1));
  }
  return values;
}

/**
 * The .kconfig map's value: each extern's value from `values` (CONFIG_X → raw string as in the config
 * file), missing weak ones zero, missing strong ones an ExternError; LINUX_KERNEL_VERSION,
 * LINUX_HAS_BPF_COOKIE and LINUX_HAS_SYSCALL_WRAPPER from `kernel`; any other LINUX_* zero if weak.
 */
export function kconfigData(externs: readonly ExternSpec[], size: number, values: ReadonlyMap<string, string>, kernel: KernelFacts, btf: Btf): Uint8Array {
  const data = new Uint8Array(size);
  const writer = new KconfigWriter(data, btf.littleEndian);
  const set = new Set<ExternSpec>();
  const byName = new Map<string, ExternSpec>();
  for (const extern of externs) {
    if (extern.kind !== 'kconfig') continue;
    const layout = layoutOf(extern);
    if (layout.offset + layout.size > size) {
      throw new ExternError(extern.name, `its value (${layout.size} bytes at offset ${layout.offset}) runs past the ${size}-byte .kconfig map`, 'pass the kconfigSize readExterns returned');
    }
    byName.set(extern.name, extern);
    if (extern.name.startsWith('CONFIG_')) continue;
    writer.number(extern, virtualValue(extern, kernel), String);
    set.add(extern);
  }
  for (const [name, value] of values) {
    const extern = byName.get(name);
    if (!extern || set.has(extern)) continue;
    writer.configValue(extern, value);
    set.add(extern);
  }
  for (const extern of byName.values()) {
    if (!set.has(extern) && !extern.weak) {
      throw new ExternError(extern.name, 'not in the kernel config (a strong extern has no value)', `declare it __weak to default to zero, or pass ${extern.name} in the config values`);
    }
  }
  return data;
}

function layoutOf(extern: ExternSpec): KconfigLayout {
  if (!extern.kconfig) throw new ExternError(extern.name, 'a .kconfig extern without its layout', 'pass the externs readExterns returned');
  return extern.kconfig;
}

/** The LINUX_* values libbpf fills in itself. */
function virtualValue(extern: ExternSpec, kernel: KernelFacts): bigint {
  switch (extern.name) {
    case 'LINUX_KERNEL_VERSION':
      if (!kernel.version) throw new ExternError(extern.name, 'the kernel version is unknown', 'pass the running kernel\'s LINUX_VERSION_CODE (linuxKernelVersion())');
      return BigInt(kernel.version >>> 0);
    case 'LINUX_HAS_BPF_COOKIE':
      return kernel.hasBpfCookie ? 1n : 0n;
    case 'LINUX_HAS_SYSCALL_WRAPPER':
      return kernel.hasSyscallWrapper ? 1n : 0n;
    default:
      if (!extern.name.startsWith('LINUX_') || !extern.weak) {
        throw new ExternError(extern.name, 'not a CONFIG_* value nor a LINUX_* value libbpf knows', 'name .kconfig externs CONFIG_*, or declare an unknown LINUX_* one __weak');
      }
      return 0n;
  }
}

/** Writes values into the .kconfig bytes with libbpf's checks. */
class KconfigWriter {
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #littleEndian: boolean;

  constructor(data: Uint8Array, littleEndian: boolean) {
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#littleEndian = littleEndian;
  }

  /** A raw config value: its first character says whether it is y/n/m, a string or a number. */
  configValue(extern: ExternSpec, value: string): void {
    const first = value[0];
    if (first === 'y' || first === 'n' || first === 'm') return this.#tristate(extern, first);
    if (first === '"') return this.#string(extern, value);
    const number = parseUnsigned64(value);
    if (number === undefined) throw new ExternError(extern.name, `value '${value}' isn't a valid integer`, 'fix the kernel config value');
    const { type } = layoutOf(extern);
    if (type !== 'int' && type !== 'char') throw new ExternError(extern.name, `value '${value}' implies an integer type, but it is declared ${typeWord(type)}`, 'declare it as an integer');
    this.number(extern, number, () => value);
  }

  /** set_kcfg_value_num: an integer into an int, char or bool of the extern's size, if it fits. */
  number(extern: ExternSpec, value: bigint, shown: (value: bigint) => string): void {
    const { type, size, signed, offset } = layoutOf(extern);
    if (type !== 'int' && type !== 'char' && type !== 'bool') {
      throw new ExternError(extern.name, `value '${shown(value)}' implies an integer, char or bool type, but it is declared ${typeWord(type)}`, 'declare it as an integer');
    }
    if (type === 'bool' && value > 1n) throw new ExternError(extern.name, `value '${shown(value)}' isn't boolean compatible`, 'declare it as an integer');
    if (!fits(value, size, signed)) {
      throw new ExternError(extern.name, `value '${shown(value)}' doesn't fit in ${size} ${signed ? 'signed' : 'unsigned'} byte${size === 1 ? '' : 's'}`, 'declare it with a wider integer type');
    }
    const view = this.#view;
    const little = this.#littleEndian;
    switch (size) {
      case 1: view.setUint8(offset, Number(value & 0xffn)); break;
      case 2: view.setUint16(offset, Number(value & 0xffffn), little); break;
      case 4: view.setUint32(offset, Number(value & 0xffff_ffffn), little); break;
      case 8: view.setBigUint64(offset, value, little); break;
      default: throw new ExternError(extern.name, `a ${size}-byte integer can't hold a value`, 'declare it as a 1, 2, 4 or 8-byte integer');
    }
  }

  /** set_kcfg_value_tri: y/n/m into a bool, a tristate or a char. */
  #tristate(extern: ExternSpec, value: 'y' | 'n' | 'm'): void {
    const { type, offset } = layoutOf(extern);
    switch (type) {
      case 'bool':
        if (value === 'm') throw new ExternError(extern.name, 'value \'m\' implies a tristate or char type, but it is declared bool', 'declare it enum libbpf_tristate');
        this.#view.setUint8(offset, value === 'y' ? 1 : 0);
        return;
      case 'tristate':
        // libbpf stores an enum libbpf_tristate: 4 bytes, whatever the declared enum's size
        this.#view.setUint32(offset, value === 'y' ? Tristate.Yes : value === 'm' ? Tristate.Module : Tristate.No, this.#littleEndian);
        return;
      case 'char':
        this.#view.setUint8(offset, value.charCodeAt(0));
        return;
      default:
        throw new ExternError(extern.name, `value '${value}' implies a bool, tristate or char type, but it is declared ${typeWord(type)}`, 'declare it bool or enum libbpf_tristate');
    }
  }

  /** set_kcfg_value_str: a quoted string into a char array, cut to fit with its NUL (libbpf only warns). */
  #string(extern: ExternSpec, value: string): void {
    const { type, size, offset } = layoutOf(extern);
    if (type !== 'char-array') throw new ExternError(extern.name, `value '${value}' implies a char array, but it is declared ${typeWord(type)}`, 'declare it as a char array');
    if (value.length < 2 || !value.endsWith('"')) throw new ExternError(extern.name, `invalid string config '${value}'`, 'fix the kernel config value');
    const bytes = encoder.encode(value.slice(1, -1));
    const length = Math.min(bytes.length, size - 1);
    this.#data.set(bytes.subarray(0, length), offset);
    this.#data[offset + length] = 0;
  }
}

function typeWord(type: KconfigLayout['type']): string {
  return type === 'char-array' ? 'a char array' : type;
}

/** is_kcfg_value_in_range: `value` (a u64, negative numbers as two's complement) fits `size` bytes. */
function fits(value: bigint, size: number, signed: boolean): boolean {
  if (size === 8) return true;
  const bits = BigInt(size * 8);
  if (signed) return ((value + (1n << (bits - 1n))) & U64_MAX) < (1n << bits);
  return value >> bits === 0n;
}

/**
 * strtoull(value, &end, 0) with the whole string consumed and no overflow, as libbpf's parse_u64 wants:
 * leading white space, an optional sign (a minus negates modulo 2^64), 0x for hex, a leading 0 for octal.
 */
export function parseUnsigned64(value: string): bigint | undefined {
  let i = 0;
  while (i < value.length && ' \t\n\v\f\r'.includes(value[i]!)) i++;
  let negative = false;
  if (value[i] === '+' || value[i] === '-') negative = value[i++] === '-';
  let base = 10;
  if (value[i] === '0' && (value[i + 1] === 'x' || value[i + 1] === 'X') && digitValue(value[i + 2], 16) !== undefined) {
    base = 16;
    i += 2;
  } else if (value[i] === '0') {
    base = 8;
  }
  const start = i;
  let result = 0n;
  for (let digit = digitValue(value[i], base); digit !== undefined; digit = digitValue(value[++i], base)) {
    result = result * BigInt(base) + BigInt(digit);
    if (result > U64_MAX) return undefined;
  }
  if (i === start || i !== value.length) return undefined;
  return negative ? (U64_MAX + 1n - result) & U64_MAX : result;
}

function digitValue(character: string | undefined, base: number): number | undefined {
  if (character === undefined) return undefined;
  const value = Number.parseInt(character, 36);
  return Number.isNaN(value) || value >= base ? undefined : value;
}
