/** The mutations: each takes the clean bytes and returns a damaged copy and a description for replays. */
import type { FuzzInput } from './inputs.js';
import type { Random } from './random.js';

export interface Mutation {
  readonly bytes: Uint8Array;
  readonly description: string;
}

type Mutator = (bytes: Uint8Array, input: FuzzInput, random: Random) => string;

/** Values that sit on boundaries: zero, one, all-ones, sign bits, and sizes near the input's length. */
function interestingU32(random: Random, length: number): number {
  return random.pick([0, 1, 2, 4, 7, 8, 16, 24, 64, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
    length, length - 1, length + 1, length >>> 1, random.below(length + 1), random.u32(), random.below(256)]) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number, random: Random): void {
  if (at + 4 > bytes.length) return;
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value, random.chance(0.5));
}

const mutators: readonly (readonly [string, number, Mutator])[] = [
  ['bit flips', 3, (bytes, _input, random) => {
    const flips = 1 + random.below(8);
    const where: number[] = [];
    for (let index = 0; index < flips; index++) {
      const at = random.below(bytes.length);
      bytes[at]! ^= 1 << random.below(8);
      where.push(at);
    }
    return `flip bits at ${where.join(',')}`;
  }],
  ['structural u32', 4, (bytes, input, random) => {
    const at = random.pick(input.structuralOffsets);
    const value = interestingU32(random, bytes.length);
    writeU32(bytes, at, value, random);
    return `u32 0x${value.toString(16)} at ${at}`;
  }],
  ['structural u64', 1, (bytes, input, random) => {
    const at = random.pick(input.structuralOffsets) & ~7;
    const high = random.pick([0, 0, 0, 0xffffffff, 0x7fffffff, 0x80000000, 1, random.u32()]);
    const low = interestingU32(random, bytes.length);
    writeU32(bytes, at, low, random);
    writeU32(bytes, at + 4, high, random);
    return `u64 0x${high.toString(16)}_${low.toString(16)} at ${at}`;
  }],
  ['random u32', 1, (bytes, _input, random) => {
    const at = random.below(Math.max(1, bytes.length - 3)) & ~(random.chance(0.7) ? 3 : 0);
    const value = interestingU32(random, bytes.length);
    writeU32(bytes, at, value, random);
    return `u32 0x${value.toString(16)} at ${at} (anywhere)`;
  }],
  ['byte run', 1, (bytes, _input, random) => {
    const at = random.below(bytes.length);
    const length = 1 + random.below(32);
    const fill = random.chance(0.5) ? random.pick([0, 0xff]) : -1;
    for (let index = at; index < Math.min(bytes.length, at + length); index++) bytes[index] = fill < 0 ? random.below(256) : fill;
    return `${length} bytes of ${fill < 0 ? 'noise' : fill} at ${at}`;
  }],
  ['copy', 1, (bytes, _input, random) => {
    const from = random.below(bytes.length);
    const to = random.below(bytes.length);
    const length = Math.min(1 + random.below(128), bytes.length - from, bytes.length - to);
    bytes.copyWithin(to, from, from + length);
    return `copy ${length} bytes ${from} -> ${to}`;
  }],
];
const totalWeight = mutators.reduce((sum, [, weight]) => sum + weight, 0);

function pickMutator(random: Random): Mutator {
  let roll = random.below(totalWeight);
  for (const [, weight, mutator] of mutators) {
    if (roll < weight) return mutator;
    roll -= weight;
  }
  return mutators[0]![2];
}

/** One to four mutations, then (one time in five) a truncation, biased toward headers and the end. */
export function mutate(input: FuzzInput, random: Random): Mutation {
  let bytes = input.bytes.slice();
  const steps: string[] = [];
  const count = 1 + random.below(4);
  for (let index = 0; index < count; index++) steps.push(pickMutator(random)(bytes, input, random));
  if (random.chance(0.2)) {
    const length = random.chance(0.5) ? random.below(bytes.length) : random.chance(0.5) ? random.below(Math.min(bytes.length, 256)) : bytes.length - 1 - random.below(Math.min(bytes.length, 64));
    // A view, not a copy, so a parser that reads past byteLength into the rest of the buffer shows up.
    bytes = bytes.subarray(0, Math.max(0, length));
    steps.push(`truncate to ${bytes.length}`);
  }
  return { bytes, description: steps.join('; ') };
}
