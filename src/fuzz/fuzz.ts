/**
 * The fuzzer: mutates real inputs and runs the readers on them. A case fails when a reader throws
 * anything that is not a TsbpfError (a crash: TypeError, RangeError, ...) or takes longer than the
 * time limit. Each case's randomness derives from (seed, case index) only, so any case replays alone.
 */
import { TsbpfError } from '../errors.js';
import type { FuzzInput } from './inputs.js';
import { mutate } from './mutators.js';
import { Random } from './random.js';
import { loadBtfParser, runTargets, type BtfParser } from './targets.js';

export interface FuzzOptions {
  readonly inputs: readonly FuzzInput[];
  readonly cases: number;
  readonly seed: number;
  /** Run only these case indexes (replay). */
  readonly only?: readonly number[];
  readonly slowMilliseconds?: number;
  /** Called every `progressEvery` cases. */
  readonly progress?: (done: number, stats: FuzzStats) => void;
  readonly progressEvery?: number;
}

export interface FuzzFailure {
  readonly caseIndex: number;
  readonly input: string;
  readonly mutation: string;
  readonly problem: string;
}

export interface FuzzStats {
  cases: number;
  /** Inputs a reader refused with a typed error (the expected outcome for most mutations). */
  typedErrors: number;
  /** Inputs every reader accepted. */
  accepted: number;
  untyped: FuzzFailure[];
  slow: FuzzFailure[];
  slowestMilliseconds: number;
  milliseconds: number;
  /** Whether Btf.parse was available and exercised. */
  btfParser: boolean;
}

export async function fuzz(options: FuzzOptions, parseBtf?: BtfParser | null): Promise<FuzzStats> {
  const btf = parseBtf === null ? undefined : parseBtf ?? (await loadBtfParser());
  const limit = options.slowMilliseconds ?? 1000;
  const totalWeight = options.inputs.reduce((sum, input) => sum + input.weight, 0);
  const stats: FuzzStats = { cases: 0, typedErrors: 0, accepted: 0, untyped: [], slow: [], slowestMilliseconds: 0, milliseconds: 0, btfParser: btf !== undefined };
  const started = performance.now();
  const indexes = options.only ?? Array.from({ length: options.cases }, (_, index) => index);
  for (const caseIndex of indexes) {
    const random = new Random(options.seed, caseIndex);
    const input = pickInput(options.inputs, totalWeight, random);
    const mutation = mutate(input, random);
    const caseStart = performance.now();
    try {
      runTargets(input, mutation.bytes, btf);
      stats.accepted++;
    } catch (error) {
      if (error instanceof TsbpfError) stats.typedErrors++;
      else stats.untyped.push({ caseIndex, input: input.name, mutation: mutation.description, problem: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
    const elapsed = performance.now() - caseStart;
    stats.slowestMilliseconds = Math.max(stats.slowestMilliseconds, elapsed);
    if (elapsed > limit) stats.slow.push({ caseIndex, input: input.name, mutation: mutation.description, problem: `took ${elapsed.toFixed(0)} ms` });
    stats.cases++;
    if (options.progress && stats.cases % (options.progressEvery ?? 10000) === 0) options.progress(stats.cases, stats);
  }
  stats.milliseconds = performance.now() - started;
  return stats;
}

function pickInput(inputs: readonly FuzzInput[], totalWeight: number, random: Random): FuzzInput {
  let roll = random.below(totalWeight);
  for (const input of inputs) {
    if (roll < input.weight) return input;
    roll -= input.weight;
  }
  return inputs[inputs.length - 1]!;
}
