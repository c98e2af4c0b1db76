/**
 * Shared pieces of the benchmarks (DESIGN.md, "Benchmarks — one convention"): finding the repo root,
 * building the C baselines into bench/.build/, running them, medians, ratio lines and the check that a
 * benchmark left no BPF object behind.
 *
 * A benchmark module default-exports a `Benchmark`; bench/run.ts lists them by name. A benchmark prints
 * its figures and, as its last line, `NAME ratio=X.XX` (ours over theirs for the headline, the worst
 * figure), and resolves to the process exit status: 0 when it ran (goal met or not, unless BENCH_STRICT=1
 * is set, which makes a missed goal status 3), 1 on an error or a leaked kernel object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Benchmark {
  /** One line for `bench` listings. */
  readonly description: string;
  run(argv: readonly string[]): Promise<number>;
}

let root: string | undefined;

/**
 * The directory holding tsbpf's package.json, found by walking up from this compiled file, so the
 * harness works from dist/bench/ and from any other output directory (e.g. .build-bench/bench/).
 */
export function repoRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tsbpf') return (root = dir);
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the tsbpf repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The build directory for C baselines (gitignored). */
export function buildDir(): string {
  const dir = join(repoRoot(), 'bench', '.build');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Compiles C sources (paths relative to the repo root) against Debian's libbpf with -O2 into
 * bench/.build/OUTPUT and returns the binary's path. Always rebuilds: a stale binary would be a silent lie.
 */
export function buildC(output: string, sources: readonly string[], extraFlags: readonly string[] = []): string {
  const binary = join(buildDir(), output);
  const libbpf = execFileSync('pkg-config', ['--cflags', '--libs', 'libbpf'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  const cc = process.env.CC || 'cc';
  const args = ['-O2', '-Wall', '-Wextra', ...extraFlags, '-o', binary, ...sources.map((s) => join(repoRoot(), s)), ...libbpf];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    throw new Error(`bench: building ${output} failed (${cc} ${args.join(' ')}): ${(error as Error).message}`);
  }
  return binary;
}

/** Runs a C baseline and parses the one JSON line it prints last. */
export function runJson<T>(binary: string, args: readonly string[]): T {
  const out = execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nanoseconds since an arbitrary start, from CLOCK_MONOTONIC like the C side's clock_gettime. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** `--name value` or `--name=value` from argv, as a positive integer, or the fallback. */
export function intOption(argv: readonly string[], name: string, fallback: number): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let text: string | undefined;
    if (arg === `--${name}`) text = argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) text = arg.slice(name.length + 3);
    if (text !== undefined) {
      const value = Number(text);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`bench: --${name} wants a positive integer, got ${text}`);
      return value;
    }
  }
  return fallback;
}

/**
 * Ids of the BPF maps whose names are in `names`, as bpftool lists them (for the leak check), or null
 * when bpftool is missing or can't list. Only our own names: others may create maps concurrently.
 */
export function mapIdsNamed(names: readonly string[]): Set<number> | null {
  let listing: Array<{ id: number; name?: string }>;
  try {
    listing = JSON.parse(execFileSync('bpftool', ['map', 'list', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) || '[]');
  } catch {
    return null;
  }
  return new Set(listing.filter((m) => m.name !== undefined && names.includes(m.name)).map((m) => m.id));
}

/** Exit status for a benchmark that ran: a missed goal only fails under BENCH_STRICT=1. */
export function statusFor(goalMet: boolean): number {
  return goalMet || process.env.BENCH_STRICT !== '1' ? 0 : 3;
}

/**
 * Pins this process (every thread) to one CPU with util-linux taskset, so the C child, which inherits
 * the affinity, runs where the TS side runs. Without it the scheduler may put the two sides on different
 * cores with different neighbours and cache state, and a memory-bound figure (batch lookup) then
 * differs by 2x between the sides for no reason of theirs. Returns a note for the output.
 */
export function pinToOneCpu(argv: readonly string[]): string {
  if (argv.includes('--no-pin')) return 'not pinned (--no-pin)';
  const cpus = availableCpus();
  if (cpus.length === 0) return 'not pinned (no CPU list)';
  const cpu = cpus[cpus.length - 1]!;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return `pinned to CPU ${cpu} (both sides; --no-pin to disable)`;
  } catch {
    return 'not pinned (taskset unavailable)';
  }
}

function availableCpus(): number[] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1] ?? '';
    return list.split(',').flatMap((part) => {
      const [a, b] = part.trim().split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) return [];
      return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
  } catch {
    return [];
  }
}
