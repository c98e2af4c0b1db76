/**
 * A sorted table of address ranges with names: the one lookup every symbol source here shares (kernel
 * symbols, an ELF file's functions, a perf map). Addresses are plain numbers: user addresses and file
 * addresses fit in 2^53, and kernel addresses are stored relative to a base (kernel-symbols.ts).
 */
export interface AddressEntry<Name = string> {
  start: number;
  /** 0 when the source gives no size (kallsyms): the entry then reaches to the next one. */
  size: number;
  name: Name;
}

export interface AddressHit<Name = string> {
  name: Name;
  start: number;
  /** How far into the entry the address is. */
  offset: number;
}

export class AddressTable<Name = string> {
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  readonly #names: Name[];

  constructor(entries: AddressEntry<Name>[]) {
    // at equal starts the sized entry wins (an alias without size tells less)
    const sorted = [...entries].sort((a, b) => a.start - b.start || b.size - a.size);
    const kept: AddressEntry<Name>[] = [];
    for (const entry of sorted) if (kept.length === 0 || kept[kept.length - 1]!.start !== entry.start) kept.push(entry);
    this.#starts = new Float64Array(kept.length);
    this.#ends = new Float64Array(kept.length);
    this.#names = new Array<Name>(kept.length);
    kept.forEach((entry, i) => {
      this.#starts[i] = entry.start;
      this.#ends[i] = entry.size > 0 ? entry.start + entry.size : Infinity;
      this.#names[i] = entry.name;
    });
  }

  get size(): number {
    return this.#names.length;
  }

  /** The entry holding `address`: the last one starting at or below it, if its size reaches it. */
  lookup(address: number): AddressHit<Name> | undefined {
    const starts = this.#starts;
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! <= address) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0 || address >= this.#ends[found]!) return undefined;
    return { name: this.#names[found]!, start: starts[found]!, offset: address - starts[found]! };
  }
}
