import { test } from 'node:test';
import assert from 'node:assert/strict';
import { possibleCpuCount } from '../sys/index.js';
import { InvalidArgumentError } from '../errors.js';
import { array, bool, bytes, cstring, decode, encode, f32, f64, i16, i32, i64, i8, struct, u16, u32, u64, u8 } from './codecs.js';
import { BpfMap } from './map.js';
import { MapType } from './map-types.js';

test('scalars round-trip little-endian at their C sizes', () => {
  assert.deepEqual([...encode(u16, 0x0102)], [2, 1]);
  assert.deepEqual([...encode(u32, 0x01020304)], [4, 3, 2, 1]);
  assert.equal(decode(u64, encode(u64, 2n ** 64n - 1n)), 2n ** 64n - 1n);
  assert.equal(decode(i64, encode(i64, -5n)), -5n);
  assert.equal(decode(i8, encode(i8, -1)), -1);
  assert.equal(decode(i16, encode(i16, -300)), -300);
  assert.equal(decode(i32, encode(i32, -70000)), -70000);
  assert.equal(decode(u8, encode(u8, 255)), 255);
  assert.equal(decode(f32, encode(f32, 1.5)), 1.5);
  assert.equal(decode(f64, encode(f64, Math.PI)), Math.PI);
  assert.equal(decode(bool, encode(bool, true)), true);
  assert.deepEqual([u8, u16, u32, u64, f32, f64, bool].map((c) => [c.size, c.align]), [[1, 1], [2, 2], [4, 4], [8, 8], [4, 4], [8, 8], [1, 1]]);
});

test('bytes and cstring pad with zeroes; cstring stops at NUL and refuses what does not fit', () => {
  assert.deepEqual([...encode(bytes(4), Uint8Array.of(1, 2))], [1, 2, 0, 0]);
  assert.throws(() => encode(bytes(2), Uint8Array.of(1, 2, 3)), InvalidArgumentError);
  assert.deepEqual([...encode(cstring(6), 'abc')], [97, 98, 99, 0, 0, 0]);
  assert.equal(decode(cstring(6), Uint8Array.of(104, 105, 0, 120, 0, 0)), 'hi');
  assert.equal(decode(cstring(3), Uint8Array.of(97, 98, 99)), 'abc');
  assert.throws(() => encode(cstring(3), 'abcd'), InvalidArgumentError);
});

test('struct lays out like C: aligned fields, tail padding, padding zeroed; packed has none', () => {
  const event = struct({ flag: u8, pid: u32, ts: u64, comm: cstring(3) });
  assert.deepEqual(event.offsets, { flag: 0, pid: 4, ts: 8, comm: 16 });
  assert.equal(event.size, 24);
  assert.equal(event.align, 8);
  const target = new Uint8Array(24).fill(0xff);
  event.encode({ flag: 1, pid: 2, ts: 3n, comm: 'ab' }, new DataView(target.buffer), 0);
  assert.deepEqual([...target.subarray(1, 4)], [0, 0, 0], 'padding zeroed');
  assert.deepEqual([...target.subarray(19)], [0, 0, 0, 0, 0]);
  assert.deepEqual(decode(event, target), { flag: 1, pid: 2, ts: 3n, comm: 'ab' });
  const packed = struct({ flag: u8, pid: u32, ts: u64 }, { packed: true });
  assert.equal(packed.size, 13);
  assert.deepEqual(packed.offsets, { flag: 0, pid: 1, ts: 5 });
  const nested = struct({ a: u8, inner: struct({ x: u16, y: u32 }), list: array(u16, 3) });
  assert.deepEqual(nested.offsets, { a: 0, inner: 4, list: 12 });
  assert.equal(nested.size, 20);
  assert.deepEqual(decode(nested, encode(nested, { a: 9, inner: { x: 1, y: 2 }, list: [4, 5, 6] })), { a: 9, inner: { x: 1, y: 2 }, list: [4, 5, 6] });
  assert.throws(() => encode(array(u8, 2), [1]), InvalidArgumentError);
});

test('a typed map reads and writes JS values', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 16, maxEntries: 8 });
  const counts = map.typed({ key: u32, value: struct({ packets: u64, bytes: u32 }) });
  assert.equal(counts.get(1), undefined);
  counts.set(1, { packets: 10n, bytes: 1500 });
  counts.set(2, { packets: 1n, bytes: 60 });
  assert.deepEqual(counts.get(1), { packets: 10n, bytes: 1500 });
  assert.equal(counts.has(2), true);
  assert.deepEqual([...counts.keys()].sort(), [1, 2]);
  assert.deepEqual(new Map(counts.entries()).get(2), { packets: 1n, bytes: 60 });
  assert.equal([...counts.values()].length, 2);
  assert.equal(counts.delete(2), true);
  assert.equal(counts.has(2), false);
  assert.throws(() => map.typed({ key: u64, value: u64 }), InvalidArgumentError);
  assert.throws(() => counts.getPerCpu(1), InvalidArgumentError);
});

test('a typed per-CPU map gives one value per possible CPU', () => {
  using map = BpfMap.create({ type: MapType.PerCpuArray, keySize: 4, valueSize: 4, maxEntries: 2 });
  const hits = map.typed({ key: u32, value: u32 });
  const cpus = possibleCpuCount();
  hits.setPerCpu(0, Array.from({ length: cpus }, (_, cpu) => cpu + 1));
  assert.deepEqual(hits.getPerCpu(0), Array.from({ length: cpus }, (_, cpu) => cpu + 1));
  hits.set(1, 7);
  assert.deepEqual(hits.getPerCpu(1), new Array<number>(cpus).fill(7));
  assert.equal([...hits.entriesPerCpu()].length, 2);
  assert.throws(() => hits.setPerCpu(0, [1, 2, 3, 4, 5, 6, 7, 8, 9].slice(0, cpus + 1)), InvalidArgumentError);
});
