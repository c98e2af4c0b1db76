/**
 * UserRingBufferProducer against the kernel: records written from user space are drained by our own
 * syscall program (events_user_ringbuf.bpf.c, bpf_user_ringbuf_drain) in order, every one of them,
 * across many wraps of a small ring; discarded ones never reach it; a busy reservation stops the drain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { kernelSnapshot, leftoverObjects, openFdCount } from '../test-support/kernel.js';
import { eventsObject, loadEvents, Resources, sleep } from './events.test-support.js';
import { UserRingBufferProducer } from './user-ring-buffer.js';

const object = eventsObject('events_user_ringbuf');
const skip = 'skip' in object ? object.skip : false;

interface DrainReport { expected: number; count: number; sum: number; outOfOrder: number; unreadable: number; drained: number }

/** Runs the drain program once, expecting sequence numbers from `expected`. */
function drain(program: Program, expected: number): DrainReport {
  const context = new Uint8Array(48);
  const view = new DataView(context.buffer);
  view.setBigUint64(0, BigInt(expected), true);
  const out = new DataView(program.testRun({ context }).context!.buffer);
  const u64 = (at: number): number => Number(out.getBigUint64(at, true));
  return { expected: u64(0), count: u64(8), sum: u64(16), outOfOrder: u64(24), unreadable: u64(32), drained: Number(out.getBigInt64(40, true)) };
}

test('every record written from user space reaches the program, in order, across wraps', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_user_ringbuf'));
  const producer = stack.use(new UserRingBufferProducer(obj.maps.commands!));
  const total = 20_000;
  let written = 0;
  let seen = 0;
  let sum = 0;
  let discards = 0;
  while (seen < total) {
    for (;;) {
      if (written === total) break;
      // Every fifth step also reserves a record and discards it: the program must never see it.
      if (written % 5 === 4) {
        const dropped = producer.reserve(24);
        if (!dropped) break;
        dropped.view.setBigUint64(0, 0xdeadn, true);
        producer.discard(dropped);
        discards++;
      }
      const size = 8 + (written % 13) * 8;
      const sample = producer.reserve(size);
      if (!sample) break;
      sample.view.setBigUint64(0, BigInt(written), true);
      sample.bytes.fill(0xab, 8);
      producer.submit(sample);
      written++;
    }
    const report = drain(obj.programs.drain!, seen);
    assert.equal(report.outOfOrder, 0);
    assert.equal(report.unreadable, 0);
    assert.ok(report.count > 0, 'each drain takes records');
    seen += report.count;
    sum += report.sum;
  }
  assert.equal(seen, total);
  assert.equal(sum, (total * (total - 1)) / 2, 'each sequence number exactly once');
  assert.ok(discards > 1000);
  assert.equal(producer.available, 16 * 1024, 'the program consumed everything');
});

test('a reservation not yet submitted stops the drain; records after it wait', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_user_ringbuf'));
  const producer = stack.use(new UserRingBufferProducer(obj.maps.commands!));
  const held = producer.reserve(16)!;
  held.view.setBigUint64(0, 0n, true);
  assert.ok(producer.write(new Uint8Array(new BigUint64Array([1n]).buffer)));
  assert.equal(drain(obj.programs.drain!, 0).count, 0, 'nothing passes a busy record');
  producer.submit(held);
  const report = drain(obj.programs.drain!, 0);
  assert.deepEqual([report.count, report.outOfOrder, report.sum], [2, 0, 1]);
  assert.throws(() => producer.submit(held), InvalidArgumentError, 'a record is committed once');
});

test('a full ring refuses reservations until the program drains it; sizes are checked', { skip }, async () => {
  using stack = new Resources();
  const obj = stack.use(await loadEvents('events_user_ringbuf'));
  const producer = stack.use(new UserRingBufferProducer(obj.maps.commands!));
  assert.throws(() => producer.reserve(0), InvalidArgumentError);
  assert.throws(() => producer.reserve(16 * 1024), InvalidArgumentError);
  let count = 0;
  while (producer.write(new Uint8Array(new BigUint64Array([BigInt(count)]).buffer))) count++;
  assert.equal(count, (16 * 1024) / 16, '8-byte records take 16 bytes each with their header');
  assert.equal(await producer.waitForRoom(8, 50), false);
  assert.equal(drain(obj.programs.drain!, 0).count, count);
  assert.equal(await producer.waitForRoom(8, 1000), true);
});

test('wrong map types are refused; no fd, map or program left behind', { skip }, async () => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  {
    using stack = new Resources();
    const obj = stack.use(await loadEvents('events_user_ringbuf'));
    using ring = BpfMap.create({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
    assert.throws(() => new UserRingBufferProducer(ring), InvalidArgumentError);
    for (let i = 0; i < 20; i++) new UserRingBufferProducer(obj.maps.commands!).close();
  }
  await sleep(100);
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await leftoverObjects(before, ['drain', 'commands']), []);
});

