/**
 * Test helpers that look at the kernel from outside tsbpf, with the reference tools, so a test never
 * grades tsbpf with tsbpf.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/** Runs bpftool with `-j` and parses its JSON. */
export function bpftoolJson<T = unknown>(...args: string[]): T {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })) as T;
}

/** How many programs, maps and links the kernel holds now (bpftool's view). */
export function kernelObjectCounts(): { programs: number; maps: number; links: number } {
  return {
    programs: bpftoolJson<unknown[]>('prog', 'list').length,
    maps: bpftoolJson<unknown[]>('map', 'list').length,
    links: bpftoolJson<unknown[]>('link', 'list').length,
  };
}

/** Open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Ids of this kernel's maps/programs by bpftool, for before/after comparisons. */
export function kernelIds(kind: 'prog' | 'map' | 'link'): Set<number> {
  return new Set(bpftoolJson<{ id: number }[]>(kind, 'list').map((entry) => entry.id));
}
