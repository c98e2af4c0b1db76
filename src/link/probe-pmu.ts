/**
 * kprobes and uprobes through their perf PMUs (/sys/bus/event_source/devices/{kprobe,uprobe}): the PMU
 * type, and which config bit asks for the return probe. A kernel built without kprobes has no kprobe
 * PMU: the caller learns so from the NotSupportedError.
 */
import { existsSync, readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors.js';

const DEVICES = '/sys/bus/event_source/devices';

export interface ProbePmu {
  type: number;
  /** config bit of the return probe (from format/retprobe, `config:N`). */
  returnBit: number;
}

const cache = new Map<string, ProbePmu | string>();

/** The PMU for 'kprobe' or 'uprobe', or why there is none. */
export function probePmu(kind: 'kprobe' | 'uprobe'): ProbePmu | string {
  let found = cache.get(kind);
  if (found === undefined) {
    const base = `${DEVICES}/${kind}`;
    if (!existsSync(`${base}/type`)) {
      found = `the kernel has no ${kind} PMU (${base} is missing${kind === 'kprobe' ? ': built without CONFIG_KPROBES or CONFIG_KPROBE_EVENTS' : ''})`;
    } else {
      const format = existsSync(`${base}/format/retprobe`) ? readFileSync(`${base}/format/retprobe`, 'utf8').trim() : 'config:0';
      found = { type: Number(readFileSync(`${base}/type`, 'utf8').trim()), returnBit: Number(/config:(\d+)/.exec(format)?.[1] ?? 0) };
    }
    cache.set(kind, found);
  }
  return found;
}

export function requireProbePmu(kind: 'kprobe' | 'uprobe'): ProbePmu {
  const pmu = probePmu(kind);
  if (typeof pmu === 'string') throw new NotSupportedError(`${kind}s`, pmu, kind === 'kprobe' ? 'use a tracepoint, raw_tp or tp_btf hook, or a kernel with kprobes' : 'use a kernel with uprobes (CONFIG_UPROBE_EVENTS)');
  return pmu;
}
