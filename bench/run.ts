/**
 * The benchmark runner (DESIGN.md, "Benchmarks — one convention").
 *
 *   npm run bench              every benchmark, each in its own child process, in registry order
 *   npm run bench -- NAME ...  one benchmark in this process; further arguments go to it
 *   npm run bench -- --list    the names
 *
 * Exit status: a single benchmark's own status; for all of them, the first non-zero status (after
 * running every one), so CI sees a failure without losing the other figures.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './harness.js';

/** Name → module. Add a benchmark here; its module default-exports a Benchmark. */
const registry: Record<string, () => Promise<{ default: Benchmark }>> = {
  'map-ops': () => import('./map-ops/index.js'),
  'btf-parse': () => import('./btf-parse/index.js'),
  'load': () => import('./load/index.js'),
  'prog-list': () => import('./prog-list/index.js'),
  'ringbuf': () => import('./ringbuf/index.js'),
  'perfbuf': () => import('./perfbuf/index.js'),
  'btf-dump-c': () => import('./btf-dump-c/index.js'),
  'opensnoop-storm': () => import('./opensnoop-storm/index.js'),
};

async function runOne(name: string, argv: readonly string[]): Promise<number> {
  const load = registry[name];
  if (!load) {
    console.error(`bench: no benchmark named ${name}; known: ${Object.keys(registry).join(', ')}`);
    return 2;
  }
  try {
    const benchmark = (await load()).default;
    return await benchmark.run(argv);
  } catch (error) {
    console.error(`bench: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.log(`${name} ratio=NaN`);
    return 1;
  }
}

function runAll(): number {
  const self = fileURLToPath(import.meta.url);
  let first = 0;
  for (const name of Object.keys(registry)) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, name], { stdio: 'inherit' });
    const status = child.status ?? 1;
    if (status !== 0) console.error(`bench: ${name} exited with status ${status}${child.signal ? ` (${child.signal})` : ''}`);
    if (first === 0) first = status;
  }
  return first;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === '--list') {
    for (const [key, load] of Object.entries(registry)) console.log(`${key.padEnd(18)} ${(await load()).default.description}`);
    return 0;
  }
  if (name === undefined) return runAll();
  return runOne(name, rest);
}

process.exitCode = await main();
