/**
 * A small seeded PRNG (splitmix32-style mixing, then mulberry32) so every fuzz case is reproducible
 * from (seed, case index) alone: `--seed S --only K` replays case K without running the K before it.
 */
export class Random {
  private state: number;

  constructor(seed: number, stream = 0) {
    this.state = mix((seed >>> 0) ^ mix(stream + 0x9e3779b9));
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    if (bound <= 0) return 0;
    if (bound <= 0x100000000) return Math.floor((this.u32() / 0x100000000) * bound);
    return Math.floor((this.u32() * 0x100000000 + this.u32()) / 2 ** 64 * bound);
  }

  chance(probability: number): boolean {
    return this.u32() / 0x100000000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

function mix(value: number): number {
  let mixed = value >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
