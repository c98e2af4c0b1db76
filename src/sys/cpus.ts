/** CPU sets from sysfs: per-CPU map values hold one slot per possible CPU, perf rings one per online CPU. */
import { readFileSync } from 'node:fs';
import { SystemError } from '../errors.js';

/** Parses a kernel CPU list such as `0-3,5,7-8`. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [first, last] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (first === undefined || Number.isNaN(first) || (last !== undefined && Number.isNaN(last))) {
      throw new SystemError('parse CPU list', 22, '', `bad CPU list ${JSON.stringify(text)}`);
    }
    for (let cpu = first; cpu <= (last ?? first); cpu++) cpus.push(cpu);
  }
  return cpus;
}

let possible: number[] | undefined;
let online: number[] | undefined;

/** CPUs the kernel may ever bring up (/sys/devices/system/cpu/possible). */
export function possibleCpus(): number[] {
  possible ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return possible;
}

/** CPUs online now (/sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  online ??= parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
  return online;
}

/** How many value slots a per-CPU map has: the highest possible CPU + 1. */
export function possibleCpuCount(): number {
  const cpus = possibleCpus();
  return (cpus.at(-1) ?? 0) + 1;
}
