/** What every probe answers, and the per-process cache each probe file keeps its answers in. */
import { NotSupportedError } from '../errors.js';

export interface FeatureResult {
  supported: boolean;
  /** Why not, or what is only partly there; '' when fully supported. */
  reason: string;
}

export const SUPPORTED: FeatureResult = Object.freeze({ supported: true, reason: '' });

export function unsupported(reason: string): FeatureResult {
  return { supported: false, reason };
}

/** A probe's answers by key, computed once per process: the kernel doesn't change under us. */
export class ProbeCache<K, V> {
  readonly #answers = new Map<K, V>();
  constructor(private readonly probe: (key: K) => V) {}

  get(key: K): V {
    let answer = this.#answers.get(key);
    if (answer === undefined && !this.#answers.has(key)) {
      answer = this.probe(key);
      this.#answers.set(key, answer);
    }
    return answer as V;
  }
}

/** Throws NotSupportedError(feature, reason) when `result` says the feature is missing. */
export function requireFeature(feature: string, result: FeatureResult): void {
  if (!result.supported) throw new NotSupportedError(feature, result.reason);
}
