/**
 * /proc/kallsyms as bpftool's xlated dumper reads it: exact addresses to names (first listed wins), and
 * `__bpf_call_base`, from which helper and kfunc call immediates are offsets. When the reader may not
 * see addresses (kptr_restrict, no root) every address reads 0 and bpftool names nothing.
 *
 * The file is ~5 MB; a dump names a handful of addresses, so instead of indexing every line this looks
 * each wanted address up in the text (addresses are printed as 16 zero-padded hex digits).
 */
import { readFileSync } from 'node:fs';

export interface KernelSymbols {
  callBase: bigint;
  symbolAt(address: bigint): string | undefined;
}

const NO_SYMBOLS: KernelSymbols = { callBase: 0n, symbolAt: () => undefined };

export function readKernelSymbols(path = '/proc/kallsyms'): KernelSymbols {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return NO_SYMBOLS;
  }
  const base = /^([0-9a-f]+) \S+ __bpf_call_base$/m.exec(text);
  const callBase = base ? BigInt(`0x${base[1]}`) : 0n;
  // bpftool drops its whole table when __bpf_call_base reads 0: addresses are hidden from this reader.
  if (base && callBase === 0n) return NO_SYMBOLS;
  const cache = new Map<bigint, string | undefined>();
  return {
    callBase,
    symbolAt(address) {
      if (address === 0n) return undefined;
      if (cache.has(address)) return cache.get(address);
      const hex = address.toString(16).padStart(16, '0');
      let at = text.startsWith(`${hex} `) ? 0 : text.indexOf(`\n${hex} `);
      let name: string | undefined;
      if (at >= 0) {
        if (text[at] === '\n') at += 1;
        const end = text.indexOf('\n', at);
        const fields = text.slice(at, end < 0 ? undefined : end).split(/\s+/);
        name = fields[2];
      }
      cache.set(address, name);
      return name;
    },
  };
}
