import { test } from 'node:test';
import assert from 'node:assert/strict';
import { possibleCpuCount } from '../sys/index.js';
import { BpfError, InvalidArgumentError } from '../errors.js';
import { bpftoolJson } from '../test-support/kernel.js';
import { MapBatchCursor } from './batch.js';
import { BpfMap } from './map.js';
import { MapType, mapTypeName } from './map-types.js';

const COUNT = 100;

function keysAndValues(count: number, valueSize: number, valueOf: (k: number) => number): { keys: Uint8Array; values: Uint8Array } {
  const keys = new Uint8Array(count * 4);
  const values = new Uint8Array(count * valueSize);
  const keyView = new DataView(keys.buffer);
  const valueView = new DataView(values.buffer);
  for (let k = 0; k < count; k++) {
    keyView.setUint32(k * 4, k, true);
    valueView.setUint32(k * valueSize, valueOf(k), true);
  }
  return { keys, values };
}

function readAll(map: BpfMap, chunk: number, deleting = false): Map<number, number> {
  const seen = new Map<number, number>();
  using cursor = new MapBatchCursor();
  const keys = new Uint8Array(chunk * 4);
  const values = new Uint8Array(chunk * map.valueBufferSize);
  let calls = 0;
  while (!cursor.done) {
    const n = deleting ? map.lookupAndDeleteBatch(cursor, keys, values) : map.lookupBatch(cursor, keys, values);
    for (let i = 0; i < n; i++) {
      seen.set(new DataView(keys.buffer).getUint32(i * 4, true), new DataView(values.buffer).getUint32(i * map.valueBufferSize, true));
    }
    assert.ok(++calls < 1000);
  }
  assert.equal(map.lookupBatch(cursor, keys, values), 0, 'a finished cursor returns nothing');
  return seen;
}

function dumped(map: BpfMap): Map<number, number> {
  const entries = bpftoolJson<{ key: string[]; value?: string[]; values?: { value: string[] }[] }[]>('map', 'dump', 'id', String(map.id));
  const bytes = (hex: string[]): DataView => new DataView(Uint8Array.from(hex, (b) => Number.parseInt(b, 16)).buffer);
  return new Map(entries.map((e) => [bytes(e.key).getUint32(0, true), bytes(e.value ?? e.values![0]!.value).getUint32(0, true)]));
}

for (const type of [MapType.Hash, MapType.Array, MapType.PerCpuHash, MapType.LruHash]) {
  test(`batch update, lookup, lookup-and-delete and delete on ${mapTypeName(type)}`, () => {
    using map = BpfMap.create({ type, keySize: 4, valueSize: 8, maxEntries: COUNT });
    const stride = map.valueBufferSize;
    const { keys, values } = keysAndValues(COUNT, stride, (k) => k * 7 + 1);
    assert.equal(map.updateBatch(keys, values), COUNT);
    const expected = dumped(map);
    assert.equal(expected.size, COUNT);
    for (const chunk of [7, 64, COUNT * 2]) assert.deepEqual(readAll(map, chunk), expected, `chunk ${chunk}`);
    if (type === MapType.Array) {
      assert.throws(() => map.deleteBatch(keys), (e: unknown) => e instanceof BpfError && e.command === 'BPF_MAP_DELETE_BATCH');
      return;
    }
    assert.equal(map.deleteBatch(keys.subarray(0, 10 * 4)), 10);
    assert.equal(dumped(map).size, COUNT - 10);
    const taken = readAll(map, 16, true);
    assert.equal(taken.size, COUNT - 10);
    assert.equal(dumped(map).size, 0);
  });
}

test('batch argument sizes are checked before the kernel', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 8 });
  assert.throws(() => map.updateBatch(new Uint8Array(6), new Uint8Array(8)), InvalidArgumentError);
  assert.throws(() => map.updateBatch(new Uint8Array(8), new Uint8Array(8)), InvalidArgumentError);
  using cursor = new MapBatchCursor();
  assert.throws(() => map.lookupBatch(cursor, new Uint8Array(8), new Uint8Array(8)), InvalidArgumentError);
  using queue = BpfMap.create({ type: MapType.Queue, keySize: 0, valueSize: 8, maxEntries: 8 });
  assert.throws(() => queue.deleteBatch(new Uint8Array(0)), InvalidArgumentError);
  assert.ok(possibleCpuCount() >= 1);
});
