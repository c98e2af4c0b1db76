/**
 * map-ops: hash map (4-byte key, 8-byte value, 100 000 entries) lookup, update (BPF_EXIST), delete in ns
 * per op and batch lookup in ns per entry, tsbpf against our own C on Debian's libbpf (map_ops.c, built
 * here into bench/.build/). Rounds alternate C, TS, C, TS...; each round creates its map, fills it
 * untimed, times every op over all keys, deletes them all, and closes the map. One warm-up round per side
 * first (discarded), and a short pause after each side so the kernel's deferred freeing of the map just
 * closed (100k elements, on a workqueue) does not land on the other side's timings. Figures are medians over rounds; the headline is the worst ratio. Goals (issue 2):
 * every per-op ratio ≤ 1.25, batch ≤ 1.1.
 *
 *   npm run bench -- map-ops [--rounds 7] [--entries 100000] [--batch-size 4096] [--batch-passes 10] [--settle-ms 200]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildC, type Benchmark, intOption, mapIdsNamed, median, runJson, statusFor } from '../harness.js';
import { MAP_NAME, type RoundResult, tsRound } from './ts-side.js';

const C_MAP_NAME = 'bench_c';
const OPS = [
  { key: 'lookup', label: 'lookup', unit: 'ns/op', goal: 1.25 },
  { key: 'update', label: 'update', unit: 'ns/op', goal: 1.25 },
  { key: 'delete', label: 'delete', unit: 'ns/op', goal: 1.25 },
  { key: 'batch', label: 'batch lookup', unit: 'ns/entry', goal: 1.1 },
] as const;

const fmt = (n: number, width: number, digits = 1) => n.toFixed(digits).padStart(width);

function describe(r: RoundResult): string {
  return OPS.map((op) => `${op.key} ${r[op.key].toFixed(1)}`).join('  ');
}

const benchmark: Benchmark = {
  description: 'hash map lookup/update/delete per op and batch lookup per entry vs C on libbpf',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 7);
    const entries = intOption(argv, 'entries', 100_000);
    const batchSize = intOption(argv, 'batch-size', 4096);
    const batchPasses = intOption(argv, 'batch-passes', 10);
    const settleMs = intOption(argv, 'settle-ms', 200);
    const names = [MAP_NAME, C_MAP_NAME];
    const before = mapIdsNamed(names);

    const binary = buildC('map_ops', ['bench/map-ops/map_ops.c']);
    const cArgs = [String(entries), String(batchSize), String(batchPasses)];
    const c = (): RoundResult => runJson<RoundResult>(binary, cArgs);
    const ts = (): RoundResult => tsRound(entries, batchSize, batchPasses);

    console.log(`map-ops: hash map, 4-byte key, 8-byte value, ${entries} entries; batch size ${batchSize} ` +
      `(${batchPasses} passes per round); ${rounds} rounds alternating C, TS after one warm-up each`);
    c();
    await sleep(settleMs);
    ts();
    const cRounds: RoundResult[] = [];
    const tsRounds: RoundResult[] = [];
    for (let r = 0; r < rounds; r++) {
      await sleep(settleMs);
      const cr = c();
      cRounds.push(cr);
      console.log(`round ${r + 1}  C   ${describe(cr)}`);
      await sleep(settleMs);
      const tr = ts();
      tsRounds.push(tr);
      console.log(`round ${r + 1}  TS  ${describe(tr)}`);
    }

    console.log('');
    console.log(`${'figure'.padEnd(13)} ${'unit'.padEnd(9)} ${'C libbpf'.padStart(10)} ${'tsbpf'.padStart(10)} ${'ratio'.padStart(6)}  goal`);
    let worst = 0;
    let met = true;
    for (const op of OPS) {
      const cm = median(cRounds.map((r) => r[op.key]));
      const tm = median(tsRounds.map((r) => r[op.key]));
      const ratio = tm / cm;
      const ok = ratio <= op.goal;
      met &&= ok;
      worst = Math.max(worst, ratio);
      console.log(`${op.label.padEnd(13)} ${op.unit.padEnd(9)} ${fmt(cm, 10)} ${fmt(tm, 10)} ${fmt(ratio, 6, 2)}  ≤ ${op.goal.toFixed(2)} ${ok ? 'met' : 'MISSED'}`);
    }

    let status = statusFor(met);
    const after = mapIdsNamed(names);
    if (before && after) {
      const leaked = [...after].filter((id) => !before.has(id));
      if (leaked.length) {
        console.log(`LEAK: maps left in the kernel: ids ${leaked.join(', ')}`);
        status = 1;
      } else {
        console.log('no map left in the kernel (bpftool map list)');
      }
    } else {
      console.log('leak check skipped: bpftool map list unavailable');
    }
    console.log(`goals ${met ? 'met' : 'missed'}`);
    console.log(`map-ops ratio=${worst.toFixed(2)}`);
    return status;
  },
};

export default benchmark;
