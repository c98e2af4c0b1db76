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

/**
 * Waits until the kernel's counts equal `expected` (the kernel frees a map or program a little after
 * its last reference goes, from a work queue), then returns them; returns the last counts on timeout.
 */
export async function settledKernelObjectCounts(expected: { programs: number; maps: number; links: number }, timeoutMs = 3000): Promise<{ programs: number; maps: number; links: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = kernelObjectCounts();
    const same = counts.programs === expected.programs && counts.maps === expected.maps && counts.links === expected.links;
    if (same || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The kernel's counts once they stop changing: objects closed a moment ago (by this or an earlier
 * test) are still being freed, so a "before" taken too early counts them. Waits up to `timeoutMs`.
 */
export async function quietKernelObjectCounts(timeoutMs = 3000): Promise<{ programs: number; maps: number; links: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = kernelObjectCounts();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const now = kernelObjectCounts();
    if ((now.programs === last.programs && now.maps === last.maps && now.links === last.links) || Date.now() > deadline) return now;
    last = now;
  }
}

/** Open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Ids of this kernel's maps/programs by bpftool, for before/after comparisons. */
export function kernelIds(kind: 'prog' | 'map' | 'link'): Set<number> {
  return new Set(bpftoolJson<{ id: number }[]>(kind, 'list').map((entry) => entry.id));
}

/** Every program, map and link id the kernel has now: take it before a test creates anything. */
export interface KernelSnapshot { prog: Set<number>; map: Set<number>; link: Set<number> }

export function kernelSnapshot(): KernelSnapshot {
  return { prog: kernelIds('prog'), map: kernelIds('map'), link: kernelIds('link') };
}

/**
 * Programs and maps created since `before` whose names are among `names` and that are still there after
 * the kernel's deferred frees had `timeoutMs` to run: what a test left behind. Name-based, so other
 * processes loading their own objects at the same time don't count.
 */
export async function leftoverObjects(before: KernelSnapshot, names: Iterable<string>, timeoutMs = 3000): Promise<string[]> {
  const wanted = new Set([...names].map((name) => name.slice(0, 15)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found: string[] = [];
    for (const kind of ['prog', 'map'] as const) {
      for (const entry of bpftoolJson<{ id: number; name?: string }[]>(kind, 'list')) {
        if (!before[kind].has(entry.id) && entry.name !== undefined && wanted.has(entry.name.slice(0, 15))) found.push(`${kind} ${entry.id} ${entry.name}`);
      }
    }
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The kernel names of an object's programs and maps (for leftoverObjects). */
export function objectNames(spec: { programs: readonly { name: string }[]; maps: readonly { name: string }[] }): string[] {
  return [...spec.programs.map((p) => p.name), ...spec.maps.map((m) => m.name)];
}
