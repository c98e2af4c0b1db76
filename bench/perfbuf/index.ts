/**
 * perfbuf: 64-byte samples produced by our own BPF program (corpus/loader/events_perfbuf.bpf.c: raw_tp,
 * bpf_loop, bpf_perf_event_output with BPF_F_CURRENT_CPU) through BPF_PROG_TEST_RUN in a child process
 * pinned to one CPU, consumed concurrently by tsbpf's PerfBufferReader (async poll, batch callback) and
 * by our own C on Debian's libbpf with its defaults (perf_buffer__new: sample_period 1, wakeup_events 1;
 * perf_buffer__poll; perfbuf-consume.c, built here into bench/.build/), both with 64 data pages per CPU.
 * Goal (issue 6): ≥ 0.8× libbpf's rate, received + lost == produced. The headline is the worse of the rate
 * ratio and the ratio of samples received (a slower consumer shows as more lost samples, not only a lower rate).
 *
 * The producer does not wait for room: what the ring can't take the kernel counts as lost and reports
 * in PERF_RECORD_LOST when the next sample fits. So once the producer is done the parent writes end
 * markers (sequence END + k, every 20 ms, on the producer's CPU) until the consumer sees one: the lost
 * counts are in by then, and markers 0..k-1 were lost ones. The rate is data samples received from the
 * first to the last over the time between them. Rounds alternate which side goes first; medians over
 * rounds after one warm-up round; the load average is printed with the figures.
 *
 * `--sync` reads with pollSync (epoll_wait on the main thread) instead of the async poll.
 *
 *   npm run bench -- perfbuf [--rounds 5] [--records 200000] [--sync]
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PerfBufferReader, type EventRecord } from '../../src/events/index.js';
import { ProducerProcess, type ProducerResult } from '../../src/events/producer.test-support.js';
import { loadObject } from '../../src/loader/index.js';
import type { BpfObject } from '../../src/loader/bpf-object.js';
import { abi, onlineCpus } from '../../src/sys/index.js';
import { buildC, type Benchmark, intOption, median, nowNs, repoRoot, statusFor } from '../harness.js';
import { ConsumerProcess } from '../ringbuf/c-consumer.js';
import { loadAverage, programIdsNamed } from '../ringbuf/index.js';

const GOAL = 0.8;
const OBJECT = 'corpus/.build/loader/events_perfbuf.bpf.o';
const PAGES = 64;
const PER_RUN = 4096;
/** events_perfbuf.bpf.c mode 0: 64-byte samples. */
const MODE_FIXED = 0;
const END_BASE = 2 ** 40;
const MARKER_EVERY_MS = 20;

interface SideResult { received: number; lost: number; marker: number; wrong: number; ns: number; producer: ProducerResult }

/** Writes end markers on `cpu` until `done` settles. */
async function sendMarkers(obj: BpfObject, cpu: number, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  const context = new Uint8Array(32);
  const view = new DataView(context.buffer);
  for (let k = 0; !finished; k++) {
    view.setBigUint64(0, 1n, true);
    view.setBigUint64(8, BigInt(MODE_FIXED), true);
    view.setBigUint64(16, BigInt(END_BASE + k), true);
    obj.programs.produce!.testRun({ context, flags: abi.TestRunFlags.RUN_ON_CPU, cpu });
    await new Promise((resolve) => setTimeout(resolve, MARKER_EVERY_MS));
  }
}

async function tsSide(obj: BpfObject, total: number, cpu: number, sync: boolean): Promise<SideResult> {
  using reader = new PerfBufferReader(obj.maps.samples!, { pageCount: PAGES });
  const producer = new ProducerProcess(obj.programs.produce!, { total, perRun: PER_RUN, mode: MODE_FIXED, paced: false, cpu });
  let next = 0;
  let received = 0;
  let wrong = 0;
  let marker = -1;
  let first = 0n;
  let last = 0n;
  const onSample = (record: EventRecord): void => {
    const view = record.view;
    const seq = view.getUint32(record.offset, true) + view.getUint32(record.offset + 4, true) * 0x1_0000_0000;
    if (seq >= END_BASE) {
      if (marker < 0) marker = seq - END_BASE;
      return;
    }
    const now = nowNs();
    if (received === 0) first = now;
    last = now;
    if (seq < next) wrong++;
    next = seq + 1;
    received++;
  };
  try {
    await producer.ready();
    await producer.start();
    let consumed!: () => void;
    const seenMarker = new Promise<void>((resolve) => (consumed = resolve));
    const markers = producer.done.then(() => sendMarkers(obj, cpu, seenMarker));
    const deadline = Date.now() + 120_000;
    if (sync) {
      // pollSync blocks the thread in epoll_wait (no worker-thread hop per wakeup); yield between calls for the marker timer.
      const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
      while (marker < 0 && Date.now() < deadline) {
        reader.pollSync(10, onSample);
        await yieldNow();
      }
    } else {
      while (marker < 0 && Date.now() < deadline) await reader.poll(100, onSample);
    }
    consumed();
    await markers;
    return { received, lost: reader.lost, marker, wrong, ns: Number(last - first), producer: await producer.done };
  } finally {
    producer.kill();
  }
}

async function cSide(binary: string, obj: BpfObject, total: number, cpu: number): Promise<SideResult> {
  const consumer = new ConsumerProcess<Omit<SideResult, 'producer'>>(binary, [String(obj.maps.samples!.id), String(PAGES), String(END_BASE)]);
  const producer = new ProducerProcess(obj.programs.produce!, { total, perRun: PER_RUN, mode: MODE_FIXED, paced: false, cpu });
  try {
    await Promise.all([consumer.ready, producer.ready()]);
    await producer.start();
    const markers = producer.done.then(() => sendMarkers(obj, cpu, consumer.done));
    const [result, produced] = await Promise.all([consumer.done, producer.done, markers]);
    return { ...result, producer: produced };
  } finally {
    consumer.kill();
    producer.kill();
  }
}

const rate = (side: SideResult): number => ((side.received - 1) / side.ns) * 1e9;
/** Lost data samples: the lost count minus the end markers lost before the one seen. */
const lostData = (side: SideResult): number => side.lost - side.marker;

const benchmark: Benchmark = {
  description: '64-byte perf samples from bpf_loop test runs: PerfBufferReader.poll vs libbpf perf_buffer__poll (defaults)',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 5);
    const total = intOption(argv, 'records', 200_000);
    const path = join(repoRoot(), OBJECT);
    if (!existsSync(path)) execFileSync('bash', [join(repoRoot(), 'corpus/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const before = programIdsNamed(['produce']);
    const binary = buildC('perfbuf-consume', ['bench/perfbuf/perfbuf-consume.c']);
    const cpu = onlineCpus().at(-1)!;
    const sync = argv.includes('--sync');
    const loadBefore = loadAverage();
    const obj = await loadObject(path);
    const ts: SideResult[] = [];
    const c: SideResult[] = [];
    let unbalanced = 0;
    let wrong = 0;
    try {
      console.log(`perfbuf: ${total} samples of 64 bytes per side per round, producer pinned to CPU ${cpu}, ${PAGES} pages per CPU, wakeup_events 1, tsbpf ${sync ? 'pollSync' : 'poll (async)'}, ${rounds} rounds after one warm-up, alternating; load average ${loadBefore}`);
      for (let round = 0; round <= rounds; round++) {
        let a: SideResult;
        let b: SideResult;
        if (round % 2 === 0) { b = await cSide(binary, obj, total, cpu); a = await tsSide(obj, total, cpu, sync); } else { a = await tsSide(obj, total, cpu, sync); b = await cSide(binary, obj, total, cpu); }
        const m = (side: SideResult): string => `${(rate(side) / 1e6).toFixed(3)} M/s (received ${side.received} + lost ${lostData(side)} = ${side.received + lostData(side)})`;
        console.log(`${round === 0 ? 'warm-up ' : `round ${round}`.padEnd(8)} libbpf ${m(b)}   tsbpf ${m(a)}`);
        for (const side of [a, b]) {
          if (side.received + lostData(side) !== side.producer.produced) unbalanced++;
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
    const rateRatio = tsRate / cRate;
    // Samples a consumer lets the ring lose are a cost too: the headline is the worse of the two ratios.
    const receivedRatio = median(ts.map((s) => s.received)) / median(c.map((s) => s.received));
    const ratio = Math.min(rateRatio, receivedRatio);
    const lostShare = (sides: SideResult[]): string => `${((median(sides.map((s) => lostData(s) / s.producer.produced))) * 100).toFixed(1)}%`;
    console.log('');
    console.log(`received   libbpf ${(cRate / 1e6).toFixed(3)} M events/s (lost ${lostShare(c)})   tsbpf ${(tsRate / 1e6).toFixed(3)} M events/s (lost ${lostShare(ts)})   rate ratio ${rateRatio.toFixed(3)}, received ratio ${receivedRatio.toFixed(3)} (goal ≥ ${GOAL.toFixed(1)} for both)`);
    console.log(`received + lost == produced in ${2 * (rounds + 1) - unbalanced} of ${2 * (rounds + 1)} runs; out of order ${wrong}; load average ${loadBefore} before, ${loadAverage()} after`);
    let status = statusFor(ratio >= GOAL);
    if (unbalanced !== 0 || wrong !== 0) status = 1;
    const after = programIdsNamed(['produce']);
    if (before && after) {
      const leaked = [...after].filter((id) => !before.has(id));
      if (leaked.length) {
        console.log(`LEAK: programs left in the kernel: ids ${leaked.join(', ')}`);
        status = 1;
      } else {
        console.log('no program left in the kernel (bpftool prog list)');
      }
    }
    console.log(`perfbuf ratio=${ratio.toFixed(2)}`);
    return status;
  },
};

export default benchmark;
