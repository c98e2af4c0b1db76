/** Argument shapes the inspect commands share: `id N`, `pinned PATH`, as bpftool parses them. */
import { UsageError } from './cli-errors.js';

/** An object id as bpftool reads it (strtoul base 0: decimal, 0x hex, 0 octal), whole and positive. */
export function parseObjectId(text: string, what: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^0[0-7]+$/.test(text) ? Number.parseInt(text, 8) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value <= 0 || value > 0xffffffff) throw new UsageError(`can't parse ${JSON.stringify(text)} as a ${what} id`, `give a positive integer, e.g. from tsbpf ${what} list`);
  return value;
}

export type ObjectReference = { id: number } | { pinned: string };

/** `id N` or `pinned PATH` (exactly two words), or a usage error naming what was expected. */
export function parseObjectReference(words: readonly string[], what: string, allowPinned = true): ObjectReference {
  const [keyword, value] = words;
  if (words.length !== 2 || value === undefined) {
    throw new UsageError(`expected ${allowPinned ? "'id N' or 'pinned PATH'" : "'id N'"}, got ${JSON.stringify(words.join(' '))}`, `e.g. tsbpf ${what} show id 3`);
  }
  if (keyword === 'id') return { id: parseObjectId(value, what) };
  if (keyword === 'pinned' && allowPinned) return { pinned: value };
  throw new UsageError(`expected ${allowPinned ? "'id' or 'pinned'" : "'id'"}, got ${JSON.stringify(keyword)}`, `e.g. tsbpf ${what} show id 3`);
}
