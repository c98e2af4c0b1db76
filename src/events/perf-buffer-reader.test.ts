/**
 * PerfBufferReader against the kernel: samples from our own producer (events_perfbuf.bpf.c,
 * bpf_perf_event_output with BPF_F_CURRENT_CPU, run on each CPU with BPF_F_TEST_RUN_ON_CPU) arrive on
 * their CPU's ring in order; records that straddle the ring's end read whole; a flood loses samples
 * and received + lost == produced; wakeup_events and the watermark decide when epoll wakes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { onlineCpus } from '../sys/index.js';
import { kernelSnapshot, leftoverObjects, openFdCount } from '../test-support/kernel.js';
import { eventsObject, loadEvents, PerfMode, produce, Resources, seqOf, sleep } from './events.test-support.js';
import { PerfBufferReader } from './perf-buffer-reader.js';

const object = eventsObject('events_perfbuf');
const skip = 'skip' in object ? object.skip : false;
const EVENT_SIZE = 64;
/** A 64-byte sample in the ring: header 8, raw size 4, data padded so the record is 8-aligned. */
const SAMPLE_RECORD_SIZE = 80;

test('samples arrive on the ring of the CPU that wrote them, in order', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_perfbuf'));
  const reader = stack.use(new PerfBufferReader(obj.maps.samples!, { pageCount: 8 }));
  const cpus = onlineCpus();
  assert.deepEqual(reader.cpus, cpus);
  const perCpu = new Map<number, number[]>();
  for (const cpu of cpus) assert.equal(produce(obj.programs.produce!, 200, PerfMode.FIXED, cpu * 1000, cpu), 200);
  let wrong = 0;
  assert.equal(reader.consume((record) => {
    const seq = seqOf(record.view, record.offset);
    if (record.view.getUint32(record.offset + 8, true) !== record.source) wrong++;
    if (record.length < EVENT_SIZE || record.view.getUint32(record.offset + 56, true) !== (~seq >>> 0)) wrong++;
    (perCpu.get(record.source) ?? perCpu.set(record.source, []).get(record.source)!).push(seq);
  }), 200 * cpus.length);
  assert.equal(wrong, 0, 'each sample whole, from the CPU whose ring holds it');
  for (const cpu of cpus) assert.deepEqual(perCpu.get(cpu), Array.from({ length: 200 }, (_, i) => cpu * 1000 + i));
  assert.deepEqual(reader.stats().map((s) => [s.samples, s.lost]), cpus.map(() => [200, 0]));
});

test('wraparound: a one-page ring, samples of 8..64 bytes straddling its end, read whole', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_perfbuf'));
  const cpu = onlineCpus()[0]!;
  const reader = stack.use(new PerfBufferReader(obj.maps.samples!, { pageCount: 1, cpus: [cpu] }));
  let next = 0;
  let wrong = 0;
  let straddled = 0;
  while (next < 20000) {
    assert.equal(produce(obj.programs.produce!, 31, PerfMode.VARIABLE, next, cpu), 31, 'a drained ring takes 31 samples');
    reader.consume((record) => {
      const seq = seqOf(record.view, record.offset);
      const size = 8 + (seq % 8) * 8;
      // The raw size includes the kernel's padding to 8 bytes: the data plus 4.
      if (seq !== next || record.length !== size + 4) wrong++;
      if (size === EVENT_SIZE && record.view.getUint32(record.offset + 56, true) !== (~seq >>> 0)) wrong++;
      // A wrapped record is handed over from the scratch copy, which starts at byte 0 of its own buffer.
      if (record.area.byteOffset === 0) straddled++;
      next++;
    });
  }
  assert.equal(wrong, 0, 'in order, each with its size and bytes');
  assert.ok(straddled > 100, `samples straddled the ring's end (${straddled})`);
});

test('a flood: received + lost == produced, lost counted per CPU and reported', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_perfbuf'));
  const cpu = onlineCpus().at(-1)!;
  const reported: number[] = [];
  const reader = stack.use(new PerfBufferReader(obj.maps.samples!, { pageCount: 2, cpus: [cpu], onLost: (where, count) => reported.push(where, count) }));
  let produced = 0;
  let accepted = 0;
  let received = 0;
  let next = 0;
  let wrong = 0;
  const onSample = (record: { view: DataView; offset: number }): void => {
    const seq = seqOf(record.view, record.offset);
    if (seq < next) wrong++;
    next = seq + 1;
    received++;
  };
  for (let round = 0; round < 20; round++) {
    accepted += produce(obj.programs.produce!, 1000, PerfMode.FIXED, produced, cpu);
    produced += 1000;
    if (round % 4 === 3) reader.consume(onSample);
  }
  reader.consume(onSample);
  // The kernel writes the lost count when the next sample fits: one more, into the drained ring.
  accepted += produce(obj.programs.produce!, 1, PerfMode.FIXED, produced, cpu);
  produced += 1;
  reader.consume(onSample);
  const lost = reader.lost;
  assert.ok(lost > 0, 'the flood overflowed the ring');
  assert.equal(received + lost, produced, `received ${received} + lost ${lost} == produced ${produced}`);
  assert.equal(received, accepted, 'the program\'s own count of accepted samples agrees');
  assert.equal(wrong, 0, 'sequence numbers only move forward');
  assert.deepEqual(reader.stats(), [{ cpu, samples: received, lost }]);
  assert.equal(reported.filter((_, i) => i % 2 === 0).every((where) => where === cpu), true);
  assert.equal(reported.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0), lost);
});

test('wakeup tuning: wakeup_events and the watermark decide when epoll wakes', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_perfbuf'));
  const cpu = onlineCpus()[0]!;
  let count = 0;
  const onSample = (): void => void count++;
  {
    using reader = new PerfBufferReader(obj.maps.samples!, { cpus: [cpu], wakeupEvents: 10 });
    const quiet = reader.poll(400, onSample);
    await sleep(100);
    produce(obj.programs.produce!, 9, PerfMode.FIXED, 0, cpu);
    assert.equal(await quiet, 0, '9 samples do not wake a reader waiting for 10');
    assert.equal(reader.consume(onSample), 9);
    const woken = reader.poll(5000, onSample);
    await sleep(100);
    produce(obj.programs.produce!, 1, PerfMode.FIXED, 9, cpu);
    const since = performance.now();
    assert.equal(await woken, 1, 'the 10th wakes it');
    assert.ok(performance.now() - since < 1000, 'by a wakeup, not the timeout');
  }
  {
    const watermarkBytes = 20 * SAMPLE_RECORD_SIZE;
    using reader = new PerfBufferReader(obj.maps.samples!, { cpus: [cpu], watermarkBytes });
    const quiet = reader.poll(400, onSample);
    await sleep(100);
    produce(obj.programs.produce!, 19, PerfMode.FIXED, 0, cpu);
    assert.equal(await quiet, 0, 'below the watermark: no wakeup');
    assert.equal(reader.consume(onSample), 19);
    const woken = reader.poll(5000, onSample);
    await sleep(100);
    produce(obj.programs.produce!, 2, PerfMode.FIXED, 19, cpu);
    const since = performance.now();
    assert.equal(await woken, 2, 'past the watermark: woken');
    assert.ok(performance.now() - since < 1000, 'by a wakeup, not the timeout');
  }
});

test('async iterator: samples in order, ends on close', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_perfbuf'));
  const cpu = onlineCpus()[0]!;
  const reader = stack.use(new PerfBufferReader(obj.maps.samples!, { cpus: [cpu] }));
  produce(obj.programs.produce!, 50, PerfMode.VARIABLE, 0, cpu);
  const seen: number[] = [];
  for await (const record of reader) {
    seen.push(seqOf(record.view, record.offset));
    if (seen.length === 50) setTimeout(() => reader.close(), 20);
  }
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
});

test('options are checked; close clears the map slots; no fd, map or program left behind', { skip }, async () => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  {
    using stack = new Resources();
    const obj = stack.use(await loadEvents('events_perfbuf'));
    const samples = obj.maps.samples!;
    using ring = BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
    assert.throws(() => new PerfBufferReader(ring), InvalidArgumentError);
    assert.throws(() => new PerfBufferReader(samples, { pageCount: 3 }), InvalidArgumentError);
    assert.throws(() => new PerfBufferReader(samples, { wakeupEvents: 2, watermarkBytes: 64 }), InvalidArgumentError);
    assert.throws(() => new PerfBufferReader(samples, { cpus: [samples.maxEntries] }), InvalidArgumentError);
    for (let i = 0; i < 20; i++) {
      const reader = new PerfBufferReader(samples, { pageCount: 1 });
      void reader.poll(1000, () => undefined);
      reader.close();
    }
    assert.equal(produce(obj.programs.produce!, 5, PerfMode.FIXED, 0, onlineCpus()[0]!), 0, 'the reader emptied its slots: no ring left to write to');
  }
  await sleep(300);
  assert.equal(openFdCount(), fds, 'no fd leaked');
  assert.deepEqual(await leftoverObjects(before, ['produce', 'samples']), []);
});
