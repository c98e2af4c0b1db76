/**
 * RingBufferReader against the kernel: records produced by our own BPF program (events_ringbuf.bpf.c)
 * through BPF_PROG_TEST_RUN come back in order, whole, across the ring's end, without discarded ones,
 * never past a reservation still busy, with epoll wakeups only where the producer asked for them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { kernelSnapshot, leftoverObjects, openFdCount } from '../test-support/kernel.js';
import { eventsObject, loadEvents, produce, Resources, RingMode, seqOf, sleep } from './events.test-support.js';
import { ProducerProcess } from './producer.test-support.js';
import { RingBufferReader } from './ring-buffer-reader.js';

const object = eventsObject('events_ringbuf');
const skip = 'skip' in object ? object.skip : false;
const EVENT_SIZE = 64;
const NAMES = ['produce', 'hold_busy', 'events', 'tsbpf_rb_small', 'tsbpf_rb_a', 'tsbpf_rb_b'];

test('records come back in order, whole, from reserve/submit and from output', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  const seen: number[] = [];
  let bad = 0;
  for (const [mode, first] of [[RingMode.RESERVE, 0], [RingMode.OUTPUT, 1000]] as const) {
    assert.equal(produce(obj.programs.produce!, 1000, mode, first), 1000);
    reader.consume((record) => {
      const seq = seqOf(record.view, record.offset);
      seen.push(seq);
      if (record.length !== EVENT_SIZE || record.view.getUint32(record.offset + 56, true) !== (~seq >>> 0)) bad++;
      assert.equal(record.source, 0);
    });
  }
  assert.deepEqual(seen, Array.from({ length: 2000 }, (_, i) => i));
  assert.equal(bad, 0, 'every record is 64 bytes with its filler intact');
  assert.deepEqual(reader.stats(), [{ name: 'events', delivered: 2000, discarded: 0, pending: 0 }]);
});

test('wraparound: a one-page ring, records of 8..64 bytes, 20000 of them', { skip }, async () => {
  using stack = new Resources();
  const small = stack.use(BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'tsbpf_rb_small' }));
  const obj = stack.use(await loadEvents('events_ringbuf', { events: small }));
  const reader = stack.use(RingBufferReader.open(small));
  let next = 0;
  let crossed = 0;
  let wrong = 0;
  while (next < 20000) {
    const made = produce(obj.programs.produce!, 37, RingMode.VARIABLE, next);
    assert.ok(made > 0, 'the drained ring takes records');
    const got = reader.consume((record) => {
      const seq = seqOf(record.view, record.offset);
      if (seq !== next || record.length !== 8 + (seq % 8) * 8) wrong++;
      if (record.length === EVENT_SIZE && record.view.getUint32(record.offset + 56, true) !== (~seq >>> 0)) wrong++;
      if (record.offset + record.length > 4096) crossed++;
      next++;
    });
    assert.equal(got, made);
  }
  assert.equal(wrong, 0, 'every record in order with its own size and bytes');
  assert.ok(crossed > 10, `records ran past the ring's end (${crossed}) and read whole through the second mapping`);
});

test('discarded records are skipped and counted', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  assert.equal(produce(obj.programs.produce!, 1000, RingMode.DISCARD_ODD, 0), 1000);
  const seen: number[] = [];
  reader.consume((record) => void seen.push(seqOf(record.view, record.offset)));
  assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i * 2));
  assert.equal(reader.stats()[0]!.discarded, 500);
});

test('a reservation still busy holds back the records committed after it', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  let sawBusy = false;
  for (let attempt = 0; attempt < 4 && !sawBusy; attempt++) {
    const first = attempt * 10;
    // hold_busy: reserve `first`, commit `first + 1`, spin 2^23 bpf_loop rounds, then commit `first`.
    const producer = new ProducerProcess(obj.programs.hold_busy!, { total: 1 << 23, perRun: 1 << 23, mode: 0, firstSeq: first, paced: false });
    await producer.ready();
    await producer.start();
    const seen: number[] = [];
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) {
      reader.consume((record) => void seen.push(seqOf(record.view, record.offset)));
      if (seen.length === 0 && reader.stats()[0]!.pending > 0) sawBusy = true;
    }
    await producer.done;
    assert.deepEqual(seen, [first, first + 1], 'the held record first, then the one committed while it was busy');
  }
  assert.ok(sawBusy, 'the reader saw written-but-busy data at least once and delivered nothing then');
});

test('epoll: no wakeup for BPF_RB_NO_WAKEUP records, a prompt one on the 64th', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  let count = 0;
  const onRecord = (): void => void count++;
  const quiet = reader.poll(400, onRecord);
  await sleep(100);
  assert.equal(produce(obj.programs.produce!, 63, RingMode.RESERVE, 0), 63);
  assert.equal(await quiet, 0, '63 records without a wakeup do not end the wait');
  assert.equal(produce(obj.programs.produce!, 1, RingMode.RESERVE, 63), 1);
  assert.equal(await reader.poll(0, onRecord), 64);
  const woken = reader.poll(5000, onRecord);
  await sleep(100);
  assert.equal(produce(obj.programs.produce!, 64, RingMode.RESERVE, 64), 64);
  const produced = performance.now();
  assert.equal(await woken, 64);
  const latency = performance.now() - produced;
  assert.ok(latency < 500, `the wakeup reached the reader in ${latency.toFixed(1)} ms`);
});

test('async iterator: records in order, then the loop ends when the reader closes', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  assert.equal(produce(obj.programs.produce!, 128, RingMode.RESERVE, 0), 128);
  const seen: number[] = [];
  const kept: Uint8Array[] = [];
  let closedAt = 0;
  for await (const record of reader) {
    seen.push(seqOf(record.view, record.offset));
    kept.push(record.copy());
    if (seen.length === 128) {
      setTimeout(() => {
        closedAt = performance.now();
        reader.close();
      }, 50);
    }
  }
  const ended = performance.now() - closedAt;
  assert.deepEqual(seen, Array.from({ length: 128 }, (_, i) => i));
  assert.equal(new DataView(kept[5]!.buffer).getUint32(0, true), 5, 'a copy outlives the ring');
  assert.ok(ended < 1000, `the loop ended ${ended.toFixed(0)} ms after close()`);
});

test('several ring buffers in one reader, each record tagged with its ring', { skip }, async () => {
  using stack = new Resources();
  const a = stack.use(BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 16384, name: 'tsbpf_rb_a' }));
  const b = stack.use(BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 16384, name: 'tsbpf_rb_b' }));
  const objA = stack.use(await loadEvents('events_ringbuf', { events: a }));
  const objB = stack.use(await loadEvents('events_ringbuf', { events: b }));
  const reader = stack.use(new RingBufferReader());
  assert.equal(reader.add(a), 0);
  assert.equal(reader.add(b), 1);
  produce(objA.programs.produce!, 64, RingMode.RESERVE, 0);
  produce(objB.programs.produce!, 64, RingMode.RESERVE, 100);
  const bySource: number[][] = [[], []];
  assert.equal(await reader.poll(1000, (record) => void bySource[record.source]!.push(seqOf(record.view, record.offset))), 128);
  assert.deepEqual(bySource[0], Array.from({ length: 64 }, (_, i) => i));
  assert.deepEqual(bySource[1], Array.from({ length: 64 }, (_, i) => 100 + i));
  let stopped = 0;
  produce(objA.programs.produce!, 10, RingMode.RESERVE, 64);
  assert.equal(reader.consume(() => ++stopped < 3), 3, 'a callback returning false stops the batch');
  assert.equal(reader.consume(() => undefined), 7, 'the rest stay for the next');
});

test('a flood at the consumer\'s pace: 300000 records from another process, none lost', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_ringbuf'));
  const reader = stack.use(RingBufferReader.open(obj.maps.events!));
  const total = 300_000;
  const producer = new ProducerProcess(obj.programs.produce!, { total, perRun: 4096, mode: RingMode.RESERVE, paced: true });
  await producer.ready();
  await producer.start();
  let next = 0;
  let wrong = 0;
  const deadline = Date.now() + 60_000;
  while (next < total && Date.now() < deadline) {
    await reader.poll(200, (record) => {
      if (seqOf(record.view, record.offset) !== next) wrong++;
      next++;
    });
  }
  const result = await producer.done;
  assert.equal(result.produced, total);
  assert.equal(next, total, 'every record arrived');
  assert.equal(wrong, 0, 'in order, no gaps');
});

test('misuse is refused with typed errors; no fd, map or program left behind', { skip }, async () => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  {
    using stack = new Resources();
    const obj = stack.use(await loadEvents('events_ringbuf'));
    using hash = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 });
    assert.throws(() => RingBufferReader.open(hash), InvalidArgumentError);
    for (let i = 0; i < 50; i++) {
      const reader = RingBufferReader.open(obj.maps.events!);
      void reader.poll(1000, () => undefined);
      reader.close();
    }
    const closed = RingBufferReader.open(obj.maps.events!);
    closed.close();
    assert.throws(() => closed.consume(() => undefined), /closed/);
  }
  await sleep(300);
  assert.equal(openFdCount(), fds, 'no fd leaked');
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});
