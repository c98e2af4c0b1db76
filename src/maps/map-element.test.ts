import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfMap, MapType, UpdateFlag } from './index.js';
import { BpfError, ClosedError } from '../errors.js';

test('the element reads and writes through the map\'s own native buffers', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 8, name: 'tsbpf_element' });
  const element = map.element;
  assert.equal(map.element, element, 'one element per map');
  element.keyView.setUint32(0, 5, true);
  element.valueView.setBigUint64(0, 500n, true);
  element.update(UpdateFlag.NoExist);
  assert.deepEqual(map.lookup(new Uint8Array([5, 0, 0, 0])), new Uint8Array([0xf4, 1, 0, 0, 0, 0, 0, 0]));
  assert.throws(() => element.update(UpdateFlag.NoExist), (error: unknown) => error instanceof BpfError && error.code === 'EEXIST');
  element.valueView.setBigUint64(0, 0n, true);
  assert.equal(element.lookup(), true);
  assert.equal(element.valueView.getBigUint64(0, true), 500n);
  element.keyView.setUint32(0, 6, true);
  assert.equal(element.lookup(), false);
  assert.equal(element.delete(), false);
  element.keyView.setUint32(0, 5, true);
  assert.equal(element.delete(), true);
  assert.equal(map.lookup(new Uint8Array([5, 0, 0, 0])), undefined);
});

test('flags change between calls without leaking into the next call', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 8 });
  const element = map.element;
  element.keyView.setUint32(0, 1, true);
  assert.throws(() => element.update(UpdateFlag.Exist), (error: unknown) => error instanceof BpfError && error.code === 'ENOENT');
  element.update(UpdateFlag.Any);
  element.update(UpdateFlag.Exist);
  assert.equal(element.lookup(), true);
});

test('after close the element throws ClosedError and its views stay valid memory', () => {
  const map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 16, maxEntries: 2 });
  const element = map.element;
  map.close();
  assert.throws(() => element.lookup(), ClosedError);
  assert.throws(() => element.update(), ClosedError);
  assert.throws(() => element.delete(), ClosedError);
  assert.throws(() => map.element, ClosedError);
  element.value.fill(0xaa); // still our memory: writing must not corrupt anything
  assert.equal(element.value[15], 0xaa);
});
