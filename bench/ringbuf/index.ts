/**
 * ringbuf: 64-byte records produced by our own BPF program (corpus/loader/events_ringbuf.bpf.c: raw_tp,
 * bpf_loop, reserve + submit, a wakeup every 64th record) through BPF_PROG_TEST_RUN in a child process,
 * consumed concurrently by tsbpf's RingBufferReader (async poll, batch callback) against our own C on
 * Debian's libbpf (ring_buffer__poll, ringbuf-consume.c, built here into bench/.build/). Goal (issue 6):
 * ≥ 0.8× libbpf's rate, 0 lost.
 *
 * The producer runs at the consumer's pace (a run stops at the first record the ring has no room for
 * and the next resumes there), so the figure is the consumer's: records from the first to the last,
 * over the time between them. Each round runs both sides on the same map, alternating which goes first;
 * figures are medians over rounds after one warm-up round. Other work on the machine moves these
 * figures, so the load average is printed with them.
 *
 * A second figure is reported beside the headline: draining a 64 MiB ring filled beforehand, where
 * the producer can't be the limit (C: ring_buffer__poll in a fresh process; tsbpf: consume()).
 *
 * `--sync` reads with pollSync (epoll_wait on the main thread) instead of the async poll.
 *
 *   npm run bench -- ringbuf [--rounds 5] [--records 2000000] [--sync]
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { RingBufferReader } from '../../src/events/index.js';
import { ProducerProcess, type ProducerResult } from '../../src/events/producer.test-support.js';
import { loadObject } from '../../src/loader/index.js';
import type { BpfObject } from '../../src/loader/bpf-object.js';
import { BpfMap } from '../../src/maps/map.js';
import { MapType } from '../../src/maps/map-types.js';
import { buildC, type Benchmark, intOption, median, nowNs, repoRoot, statusFor } from '../harness.js';
import { ConsumerProcess } from './c-consumer.js';

const GOAL = 0.8;
const OBJECT = 'corpus/.build/loader/events_ringbuf.bpf.o';
const RECORD_SIZE = 64;
/** events_ringbuf.bpf.c MODE_RESERVE; records per test run. */
const MODE_RESERVE = 1;
const PER_RUN = 4096;

interface SideResult { received: number; wrong: number; ns: number; producer: ProducerResult }

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Ids of programs named `names` (the kernel's 15-character names), for the leak check; null without bpftool. */
export function programIdsNamed(names: readonly string[]): Set<number> | null {
  try {
    const listing = JSON.parse(execFileSync('bpftool', ['prog', 'list', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }) || '[]') as { id: number; name?: string }[];
    return new Set(listing.filter((p) => p.name !== undefined && names.includes(p.name)).map((p) => p.id));
  } catch {
    return null;
  }
}

async function tsSide(obj: BpfObject, total: number, sync: boolean): Promise<SideResult> {
  using reader = RingBufferReader.open(obj.maps.events!);
  const producer = new ProducerProcess(obj.programs.produce!, { total, perRun: PER_RUN, mode: MODE_RESERVE, paced: true });
  let next = 0;
  let wrong = 0;
  let first = 0n;
  let last = 0n;
  const onRecord = (record: { view: DataView; offset: number; length: number }): void => {
    if (next === 0) first = nowNs();
    if (record.view.getUint32(record.offset, true) !== next >>> 0 || record.length !== RECORD_SIZE) wrong++;
    if (++next === total) last = nowNs();
  };
  try {
    await producer.ready();
    await producer.start();
    const deadline = Date.now() + 120_000;
    if (sync) {
      while (next < total && Date.now() < deadline) reader.pollSync(100, onRecord);
    } else {
      while (next < total && Date.now() < deadline) await reader.poll(100, onRecord);
    }
    return { received: next, wrong, ns: Number(last - first), producer: await producer.done };
  } finally {
    producer.kill();
  }
}

async function cSide(binary: string, obj: BpfObject, total: number): Promise<SideResult> {
  const consumer = new ConsumerProcess<{ received: number; wrong: number; ns: number }>(binary, [String(obj.maps.events!.id), String(total)]);
  const producer = new ProducerProcess(obj.programs.produce!, { total, perRun: PER_RUN, mode: MODE_RESERVE, paced: true });
  try {
    await Promise.all([consumer.ready, producer.ready()]);
    await producer.start();
    const [result, produced] = await Promise.all([consumer.done, producer.done]);
    return { ...result, producer: produced };
  } finally {
    consumer.kill();
    producer.kill();
  }
}

const rate = (side: SideResult): number => ((side.received - 1) / side.ns) * 1e9;

/** A second, reported figure: draining a ring filled beforehand, so only the consumer's speed counts. */
const DRAIN_RING_BYTES = 64 << 20;

/** Fills the drain ring with `count` records numbered from 0 by in-process test runs. */
function fill(obj: BpfObject, count: number): void {
  const context = new Uint8Array(32);
  const view = new DataView(context.buffer);
  for (let made = 0; made < count;) {
    view.setBigUint64(0, BigInt(Math.min(PER_RUN, count - made)), true);
    view.setBigUint64(8, BigInt(MODE_RESERVE), true);
    view.setBigUint64(16, BigInt(made), true);
    const took = obj.programs.produce!.testRun({ context }).returnValue;
    if (took === 0) throw new Error('ringbuf: the drain ring is full before its records were all written');
    made += took;
  }
}

async function drainRates(binary: string, rounds: number): Promise<{ c: number; ts: number; count: number }> {
  using big = BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: DRAIN_RING_BYTES, name: 'tsbpf_rb_drain' });
  const obj = await loadObject(join(repoRoot(), OBJECT), { maps: { events: big } });
  const count = Math.floor((DRAIN_RING_BYTES / (RECORD_SIZE + 8)) * 0.95);
  const c: number[] = [];
  const ts: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      fill(obj, count);
      const consumer = new ConsumerProcess<{ received: number; wrong: number; ns: number }>(binary, [String(big.id), String(count)]);
      const out = await consumer.done;
      if (out.received !== count || out.wrong !== 0) throw new Error(`ringbuf: libbpf drained ${out.received} of ${count}, ${out.wrong} out of order`);
      c.push(((count - 1) / out.ns) * 1e9);
      fill(obj, count);
      using reader = RingBufferReader.open(big);
      let next = 0;
      let wrong = 0;
      let first = 0n;
      const got = reader.consume((record) => {
        if (next === 0) first = nowNs();
        if (record.view.getUint32(record.offset, true) !== next >>> 0) wrong++;
        next++;
      });
      const ns = Number(nowNs() - first);
      if (got !== count || wrong !== 0) throw new Error(`ringbuf: tsbpf drained ${got} of ${count}, ${wrong} out of order`);
      ts.push(((count - 1) / ns) * 1e9);
    }
  } finally {
    obj.close();
  }
  return { c: median(c), ts: median(ts), count };
}

const benchmark: Benchmark = {
  description: '64-byte ring buffer records from bpf_loop test runs: RingBufferReader.poll vs libbpf ring_buffer__poll',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 5);
    const total = intOption(argv, 'records', 2_000_000);
    const sync = argv.includes('--sync');
    const path = join(repoRoot(), OBJECT);
    if (!existsSync(path)) execFileSync('bash', [join(repoRoot(), 'corpus/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const before = programIdsNamed(['produce', 'hold_busy']);
    const binary = buildC('ringbuf-consume', ['bench/ringbuf/ringbuf-consume.c']);
    const loadBefore = loadAverage();
    const obj = await loadObject(path);
    const ts: SideResult[] = [];
    const c: SideResult[] = [];
    let lost = 0;
    let wrong = 0;
    try {
      console.log(`ringbuf: ${total} records of ${RECORD_SIZE} bytes per side per round (ring ${obj.maps.events!.maxEntries / 1024} KiB, ${PER_RUN} per test run, wakeup every 64th), tsbpf ${sync ? 'pollSync' : 'poll (async)'}, ${rounds} rounds after one warm-up, alternating; load average ${loadBefore}`);
      for (let round = 0; round <= rounds; round++) {
        let a: SideResult;
        let b: SideResult;
        if (round % 2 === 0) { b = await cSide(binary, obj, total); a = await tsSide(obj, total, sync); } else { a = await tsSide(obj, total, sync); b = await cSide(binary, obj, total); }
        const m = (side: SideResult): string => `${(rate(side) / 1e6).toFixed(2)} M/s (producer ${((side.producer.produced / side.producer.elapsedNs) * 1e3).toFixed(2)} M/s)`;
        console.log(`${round === 0 ? 'warm-up ' : `round ${round}`.padEnd(8)} libbpf ${m(b)}   tsbpf ${m(a)}`);
        for (const side of [a, b]) {
          lost += total - side.received;
          wrong += side.wrong;
        }
        if (round === 0) continue;
        ts.push(a);
        c.push(b);
      }
    } finally {
      obj.close();
    }
    const tsRate = median(ts.map(rate));
    const cRate = median(c.map(rate));
    const ratio = tsRate / cRate;
    console.log('');
    console.log(`consumed   libbpf ${(cRate / 1e6).toFixed(2)} M events/s   tsbpf ${(tsRate / 1e6).toFixed(2)} M events/s   ratio ${ratio.toFixed(3)} (goal ≥ ${GOAL.toFixed(1)}, 0 lost)`);
    const drain = await drainRates(binary, rounds);
    console.log(`drain of a prefilled ${DRAIN_RING_BYTES >> 20} MiB ring (${drain.count} records, consumer only; reported)   libbpf ${(drain.c / 1e6).toFixed(2)} M/s   tsbpf ${(drain.ts / 1e6).toFixed(2)} M/s (consume)   ratio ${(drain.ts / drain.c).toFixed(3)}`);
    console.log(`lost ${lost}, out of order ${wrong} (all rounds, both sides); load average ${loadBefore} before, ${loadAverage()} after`);
    let status = statusFor(ratio >= GOAL && lost === 0 && wrong === 0);
    if (lost !== 0 || wrong !== 0) status = 1;
    const after = programIdsNamed(['produce', 'hold_busy']);
    if (before && after) {
      const leaked = [...after].filter((id) => !before.has(id));
      if (leaked.length) {
        console.log(`LEAK: programs left in the kernel: ids ${leaked.join(', ')}`);
        status = 1;
      } else {
        console.log('no program left in the kernel (bpftool prog list)');
      }
    }
    console.log(`ringbuf ratio=${ratio.toFixed(2)}`);
    return status;
  },
};

export default benchmark;
