/**
 * map-ops: hash map (4-byte key, 8-byte value, 100 000 entries) lookup, update (BPF_EXIST) and delete in
 * ns per op, and batch lookup in ns per entry, tsbpf against our own C on Debian's libbpf (map_ops.c,
 * built here into bench/.build/). Goals (issue 2): every per-op ratio ≤ 1.25, batch ≤ 1.1; the headline is
 * the worst ratio.
 *
 * Each side creates its map once and fills it. A round times, per operation, the C side then the TS side
 * (the order flips every round), each over all keys: lookup, update, batch (whole map, several passes),
 * delete; then both refill, untimed. The C side is a long-lived child answering one command at a time,
 * so the two sides alternate every ~0.2 s and see the same machine noise (which, on a small VM, drifts
 * over seconds). One warm-up round is discarded. Figures are medians over rounds; ratio = TS median over
 * C median, with the median of the per-round paired ratios printed alongside as a check. The process is
 * pinned to one CPU first (see pinToOneCpu) so both sides run on the same core.
 *
 *   npm run bench -- map-ops [--rounds 9] [--entries 100000] [--batch-size 4096] [--batch-passes 10] [--no-pin]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildC, type Benchmark, intOption, mapIdsNamed, median, pinToOneCpu, statusFor } from '../harness.js';
import { MAP_NAME, type Measurement, type Op, TsSide } from './ts-side.js';

const C_MAP_NAME = 'bench_c';
const OPS = [
  { op: 'lookup', label: 'lookup', unit: 'ns/op', goal: 1.25 },
  { op: 'update', label: 'update', unit: 'ns/op', goal: 1.25 },
  { op: 'delete', label: 'delete', unit: 'ns/op', goal: 1.25 },
  { op: 'batch', label: 'batch lookup', unit: 'ns/entry', goal: 1.1 },
] as const;
/** Timed order inside a round: delete last, so the map is full for the others. */
const ROUND: readonly Op[] = ['lookup', 'update', 'batch', 'delete'];

/** The C server: one command per line in, one JSON line out. */
class CSide {
  readonly #child;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(binary: string, args: readonly string[]) {
    this.#child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => { this.#stderr += chunk; });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  async run(op: Op): Promise<Measurement> {
    this.#child.stdin.write(op + '\n');
    const next = await this.#lines.next();
    if (next.done) throw new Error(`map-ops: the C side exited during ${op}: ${this.#stderr.trim() || `status ${this.#child.exitCode}`}`);
    const answer = JSON.parse(next.value) as { op: string; ns: number; count: number };
    if (answer.op !== op) throw new Error(`map-ops: asked the C side for ${op}, got ${answer.op}`);
    return { ns: answer.ns, count: answer.count };
  }

  /** Asks the child to close its map and exit; resolves when it has. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin.end('quit\n');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const benchmark: Benchmark = {
  description: 'hash map lookup/update/delete per op and batch lookup per entry vs C on libbpf',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 9);
    const entries = intOption(argv, 'entries', 100_000);
    const batchSize = intOption(argv, 'batch-size', 4096);
    const batchPasses = intOption(argv, 'batch-passes', 10);
    const names = [MAP_NAME, C_MAP_NAME];
    const before = mapIdsNamed(names);

    const binary = buildC('map_ops', ['bench/map-ops/map_ops.c']);
    const pinned = pinToOneCpu(argv);
    console.log(`map-ops: hash map, 4-byte key, 8-byte value, ${entries} entries; batch lookup ${batchSize} per call, ` +
      `${batchPasses} passes over the map per measurement; ${rounds} rounds after one warm-up, C and TS alternating per measurement; ${pinned}`);

    const c = new CSide(binary, [String(entries), String(batchSize), String(batchPasses)]);
    const ts = new TsSide(entries, batchSize, batchPasses);
    const perOp = (m: Measurement) => m.ns / m.count;
    const cFigures = new Map<Op, number[]>(ROUND.map((op) => [op, []]));
    const tsFigures = new Map<Op, number[]>(ROUND.map((op) => [op, []]));
    try {
      await c.run('fill');
      ts.fill();
      for (let r = 0; r <= rounds; r++) {
        const cFirst = r % 2 === 0;
        const line: string[] = [];
        for (const op of ROUND) {
          let cm: Measurement, tm: Measurement;
          if (cFirst) {
            cm = await c.run(op);
            tm = ts.run(op);
          } else {
            tm = ts.run(op);
            cm = await c.run(op);
          }
          const expected = op === 'batch' ? entries * batchPasses : entries;
          if (cm.count !== expected || tm.count !== expected) {
            throw new Error(`map-ops: ${op} covered ${cm.count} (C) and ${tm.count} (TS) elements, expected ${expected}`);
          }
          if (r > 0) {
            cFigures.get(op)!.push(perOp(cm));
            tsFigures.get(op)!.push(perOp(tm));
          }
          line.push(`${op} ${perOp(cm).toFixed(0)}/${perOp(tm).toFixed(0)}`);
        }
        console.log(`${r === 0 ? 'warm-up ' : `round ${r}`.padEnd(8)} C/TS ns: ${line.join('  ')}`);
        await c.run('fill');
        ts.fill();
      }
    } finally {
      ts.close();
      await c.close();
    }

    console.log('');
    console.log(`${'figure'.padEnd(13)} ${'unit'.padEnd(9)} ${'C libbpf'.padStart(9)} ${'tsbpf'.padStart(9)} ${'ratio'.padStart(6)} ${'paired'.padStart(7)}  goal`);
    let worst = 0;
    let met = true;
    for (const { op, label, unit, goal } of OPS) {
      const cs = cFigures.get(op)!, tss = tsFigures.get(op)!;
      const cm = median(cs), tm = median(tss);
      const ratio = tm / cm;
      const paired = median(tss.map((t, i) => t / cs[i]!));
      const ok = ratio <= goal;
      met &&= ok;
      worst = Math.max(worst, ratio);
      console.log(`${label.padEnd(13)} ${unit.padEnd(9)} ${cm.toFixed(1).padStart(9)} ${tm.toFixed(1).padStart(9)} ` +
        `${ratio.toFixed(3).padStart(6)} ${paired.toFixed(3).padStart(7)}  ≤ ${goal.toFixed(2)} ${ok ? 'met' : 'MISSED'}`);
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
