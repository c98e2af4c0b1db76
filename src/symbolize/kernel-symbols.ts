/**
 * Kernel addresses to function names from /proc/kallsyms ("ADDR TYPE NAME [\t[module]]"), for stack
 * frames: the nearest text symbol at or below the address, as libbpf-tools' ksyms does. Addresses are
 * kept as offsets from KERNEL_BASE, which makes every kernel text address an exact double.
 */
import { readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors.js';
import { AddressTable, type AddressEntry } from './address-table.js';

/** The bottom of the kernel half on 48- and 57-bit x86-64 and arm64: kernel text sits above it. */
const KERNEL_BASE = 0xffff_0000_0000_0000n;
const KERNEL_BASE_HIGH = 0xffff_0000;
const TWO_32 = 2 ** 32;
/** Text symbols (t/T), weak ones (w/W): where an instruction pointer can be. */
const TEXT_TYPES = new Set(['t', 'T', 'w', 'W']);

export interface KernelSymbol {
  name: string;
  /** The symbol's own address. */
  address: bigint;
  /** How far into the symbol the looked-up address is. */
  offset: number;
  /** The module, for symbols kallsyms lists with one (`[bpf]` for BPF programs). */
  module?: string;
}

export class KernelSymbols {
  /** Entry names are indexes into #names and #modules (module names repeat: kept once each). */
  readonly #table: AddressTable<number>;
  readonly #names: string[];
  readonly #modules: (string | undefined)[];

  private constructor(table: AddressTable<number>, names: string[], modules: (string | undefined)[]) {
    this.#table = table;
    this.#names = names;
    this.#modules = modules;
  }

  /**
   * Reads /proc/kallsyms (or `path`). Throws NotSupportedError when it lists no addresses (every one 0:
   * not root, or kptr_restrict), since every lookup would then be wrong.
   */
  static read(path = '/proc/kallsyms'): KernelSymbols {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (error) {
      throw new NotSupportedError('kernel symbols', `can't read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'kernel stacks need /proc/kallsyms (CONFIG_KALLSYMS)');
    }
    const symbols = KernelSymbols.parse(text);
    if (symbols.size === 0) throw new NotSupportedError('kernel symbols', `${path} shows no addresses`, 'run as root (kernel.kptr_restrict hides them from others)');
    return symbols;
  }

  /** kallsyms text as the kernel prints it. Lines that are not kernel text symbols are left out. */
  static parse(text: string): KernelSymbols {
    const entries: AddressEntry<number>[] = [];
    const names: string[] = [];
    const modules: (string | undefined)[] = [];
    const moduleNames = new Map<string, string>();
    for (let line = 0; line < text.length;) {
      let end = text.indexOf('\n', line);
      if (end < 0) end = text.length;
      const space = text.indexOf(' ', line);
      if (space === line + 16 && TEXT_TYPES.has(text[space + 1]!) && text[space + 2] === ' ') {
        const high = Number.parseInt(text.slice(line, line + 8), 16);
        const low = Number.parseInt(text.slice(line + 8, line + 16), 16);
        if (high >= KERNEL_BASE_HIGH) {
          let name = text.slice(space + 3, end);
          let module: string | undefined;
          const tab = name.indexOf('\t');
          if (tab >= 0) {
            const listed = name.slice(tab + 1).trim();
            module = moduleNames.get(listed) ?? (moduleNames.set(listed, listed), listed);
            name = name.slice(0, tab);
          }
          entries.push({ start: (high - KERNEL_BASE_HIGH) * TWO_32 + low, size: 0, name: names.length });
          names.push(name);
          modules.push(module);
        }
      }
      line = end + 1;
    }
    return new KernelSymbols(new AddressTable(entries), names, modules);
  }

  get size(): number {
    return this.#table.size;
  }

  /** The function `address` is in, or undefined below the first kernel symbol. */
  lookup(address: bigint): KernelSymbol | undefined {
    if (address < KERNEL_BASE) return undefined;
    const hit = this.#table.lookup(Number(address - KERNEL_BASE));
    if (!hit) return undefined;
    const module = this.#modules[hit.name];
    return { name: this.#names[hit.name]!, address: KERNEL_BASE + BigInt(hit.start), offset: hit.offset, ...(module ? { module } : {}) };
  }
}
