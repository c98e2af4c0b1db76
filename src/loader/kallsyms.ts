/**
 * /proc/kallsyms as libbpf 1.1 reads it (libbpf_kallsyms_parse, kallsyms_cb): lines "ADDR TYPE NAME"
 * with an optional "\t[module]" after the name; a name's address is its first line's, and a typeless
 * __ksym whose name appears at two different addresses is ambiguous, which libbpf refuses.
 *
 * The file is ~120 000 lines (5 MB) and costs the kernel ~50-70 ms to produce, so it is read once; a
 * few lookups search the text directly (~1 ms each), and from the 17th on a name index is built once
 * (~50 ms), so both a loader resolving two symbols and one resolving hundreds stay cheap.
 *
 * Also here: LINUX_HAS_SYSCALL_WRAPPER, by the arch's syscall prefix (`__x64_sys_bpf` on x86-64).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { ExternError } from '../object/externs-error.js';
import { close, NativeMemory } from '../sys/ffi.js';
import { perfEventOpen } from '../sys/perf.js';

const INDEX_AFTER_LOOKUPS = 16;

interface NameIndex {
  /** Name → offset of its first line. */
  first: Map<string, number>;
  /** Names listed at more than one address. */
  ambiguous: Set<string>;
}

export class Kallsyms {
  readonly #text: string;
  #lookups = 0;
  #index: NameIndex | undefined;

  private constructor(text: string) {
    this.#text = text;
  }

  /** Reads /proc/kallsyms (or `path`) once. Addresses are 0 unless the reader may see them (root, kptr_restrict). */
  static read(path = '/proc/kallsyms'): Kallsyms {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (error) {
      throw new ExternError('', `can't read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'typeless __ksym externs need /proc/kallsyms (CONFIG_KALLSYMS) and root to see addresses');
    }
    return new Kallsyms(text);
  }

  /** kallsyms text as the kernel prints it (for tests and saved copies). */
  static parse(text: string): Kallsyms {
    return new Kallsyms(text);
  }

  /** The address of `name`'s first line, undefined when no line names it. */
  address(name: string): bigint | undefined {
    const at = this.#find(name);
    return at === undefined ? undefined : this.#addressAt(at);
  }

  /** Every address `name` is listed at, in file order (one for most names; static functions may repeat). */
  addresses(name: string): bigint[] {
    return this.#occurrences(name).map((at) => this.#addressAt(at));
  }

  /** address(), but an ExternError when the name is listed at two different addresses, as libbpf refuses it. */
  unique(name: string): bigint | undefined {
    const first = this.address(name);
    if (first === undefined || !this.#isAmbiguous(name)) return first;
    const other = this.addresses(name).find((address) => address !== first)!;
    throw new ExternError(name, `resolution is ambiguous: /proc/kallsyms lists it at 0x${first.toString(16)} and at 0x${other.toString(16)}`, 'use a typed __ksym (BTF) or a name the kernel lists once');
  }

  #find(name: string): number | undefined {
    if (name === '' || /\s/.test(name)) return undefined;
    const index = this.#indexIfWorthIt();
    if (index) return index.first.get(name);
    return this.#occurrences(name)[0];
  }

  #isAmbiguous(name: string): boolean {
    const index = this.#indexIfWorthIt();
    if (index) return index.ambiguous.has(name);
    const occurrences = this.#occurrences(name);
    return occurrences.some((at) => this.#hexAt(at) !== this.#hexAt(occurrences[0]!));
  }

  #indexIfWorthIt(): NameIndex | undefined {
    if (this.#index) return this.#index;
    if (++this.#lookups <= INDEX_AFTER_LOOKUPS) return undefined;
    this.#index = this.#buildIndex();
    return this.#index;
  }

  /** Offsets of the lines naming `name`, by searching " name\n" and " name\t" in the text. */
  #occurrences(name: string): number[] {
    const text = this.#text;
    const found: number[] = [];
    for (const ending of ['\n', '\t']) {
      const needle = ` ${name}${ending}`;
      for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) found.push(text.lastIndexOf('\n', at) + 1);
    }
    if (text.endsWith(` ${name}`)) found.push(text.lastIndexOf('\n', text.length - 1) + 1);
    return found.sort((a, b) => a - b);
  }

  #buildIndex(): NameIndex {
    const text = this.#text;
    const first = new Map<string, number>();
    const ambiguous = new Set<string>();
    for (let line = 0; line < text.length;) {
      let end = text.indexOf('\n', line);
      if (end < 0) end = text.length;
      const typeEnd = text.indexOf(' ', text.indexOf(' ', line) + 1);
      if (typeEnd > 0 && typeEnd < end) {
        let name = text.slice(typeEnd + 1, end);
        const tab = name.indexOf('\t');
        if (tab >= 0) name = name.slice(0, tab);
        const seen = first.get(name);
        if (seen === undefined) first.set(name, line);
        else if (!ambiguous.has(name) && this.#hexAt(seen) !== this.#hexAt(line)) ambiguous.add(name);
      }
      line = end + 1;
    }
    return { first, ambiguous };
  }

  #hexAt(line: number): string {
    return this.#text.slice(line, this.#text.indexOf(' ', line));
  }

  #addressAt(line: number): bigint {
    return BigInt(`0x${this.#hexAt(line)}`);
  }
}

/** libbpf's arch_specific_syscall_pfx for Node's process.arch (undefined: libbpf knows none). */
export function syscallPrefix(arch: string = process.arch): string | undefined {
  const prefixes: Record<string, string> = {
    x64: 'x64', ia32: 'ia32', arm64: 'arm64', arm: 'arm', s390x: 's390x', s390: 's390',
    mips: 'mips', mipsel: 'mips', riscv64: 'riscv', ppc64: 'powerpc', ppc: 'powerpc',
  };
  return prefixes[arch];
}

/** Whether syscalls have arch-prefixed wrappers: kallsyms lists `__<prefix>_sys_bpf`. */
export function hasSyscallWrapper(kallsyms: Kallsyms, arch: string = process.arch): boolean {
  const prefix = syscallPrefix(arch);
  return prefix !== undefined && kallsyms.address(`__${prefix}_sys_bpf`) !== undefined;
}

let legacyProbeCounter = 0;

/**
 * libbpf 1.1's own FEAT_SYSCALL_WRAPPER probe, for a value identical to libbpf's: it creates a kprobe
 * on `__<prefix>_sys_bpf` (through the kprobe PMU, else a tracefs kprobe_events line it removes again)
 * and says whether that worked. Where kprobes are refused it says false even though the wrapper exists,
 * and libbpf's LINUX_HAS_SYSCALL_WRAPPER is then 0: hasSyscallWrapper is the fact, this is libbpf's answer.
 */
export function probeSyscallWrapper(arch: string = process.arch): boolean {
  const prefix = syscallPrefix(arch);
  if (prefix === undefined) return false;
  const symbol = `__${prefix}_sys_bpf`;
  const pmuType = readPmuType('/sys/bus/event_source/devices/kprobe/type');
  if (pmuType !== undefined) {
    const name = new NativeMemory(symbol.length + 1);
    name.bytes.set(new TextEncoder().encode(symbol));
    let fd = -1;
    try {
      fd = perfEventOpen({ type: pmuType, config: 0, config1: name.address, config2: 0 }, process.pid, -1);
      return true;
    } catch {
      return false;
    } finally {
      if (fd >= 0) close(fd);
      name.freeWhenUnreachable();
    }
  }
  // no kprobe PMU: the legacy tracefs interface, where libbpf adds and removes a probe event
  const tracefs = existsSync('/sys/kernel/debug/tracing') ? '/sys/kernel/debug/tracing' : '/sys/kernel/tracing';
  const event = `tsbpf_${process.pid}_${symbol}_0x0_${legacyProbeCounter++}`;
  try {
    appendFileSync(`${tracefs}/kprobe_events`, `p:kprobes/${event} ${symbol}+0x0\n`);
  } catch {
    return false;
  }
  try {
    appendFileSync(`${tracefs}/kprobe_events`, `-:kprobes/${event}\n`);
  } catch {
    // libbpf ignores a failed removal too
  }
  return true;
}

function readPmuType(path: string): number | undefined {
  try {
    const value = Number.parseInt(readFileSync(path, 'latin1'), 10);
    return Number.isNaN(value) ? undefined : value;
  } catch {
    return undefined;
  }
}
