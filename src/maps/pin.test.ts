import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync } from 'node:fs';
import { FileDescriptor } from '../sys/index.js';
import { BpfError, InvalidArgumentError } from '../errors.js';
import { BpfMap } from './map.js';
import { MapType } from './map-types.js';
import { ensureBpffs, isBpffsMounted, unpin } from './pin.js';

const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };

test('ensureBpffs mounts /sys/fs/bpf when needed and is harmless when it is there', () => {
  ensureBpffs();
  assert.equal(isBpffsMounted(), true);
  ensureBpffs();
});

test('pin, open pinned (read-write and read-only), unpin', () => {
  const path = `/sys/fs/bpf/tsbpf_maps_test_${process.pid}`;
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 4, name: 'tsbpf_pin' });
  map.pin(path);
  try {
    map.update(u32(1), u32(11));
    using again = BpfMap.fromPinned(path);
    assert.equal(again.id, map.id);
    assert.equal(again.name, 'tsbpf_pin');
    assert.equal(again.type, MapType.Hash);
    assert.deepEqual(again.lookup(u32(1)), u32(11));
    using readOnly = BpfMap.fromPinned(path, { readOnly: true });
    assert.deepEqual(readOnly.lookup(u32(1)), u32(11));
    assert.throws(() => readOnly.update(u32(1), u32(12)), (e: unknown) => e instanceof BpfError && e.code === 'EPERM');
    assert.throws(() => BpfMap.fromPinned(path, { readOnly: true, writeOnly: true }), InvalidArgumentError);
    assert.throws(() => map.pin(path), (e: unknown) => e instanceof BpfError && e.code === 'EEXIST');
  } finally {
    map.unpin(path);
  }
  assert.equal(existsSync(path), false);
  assert.throws(() => BpfMap.fromPinned(path), (e: unknown) => e instanceof BpfError && e.code === 'ENOENT');
  assert.throws(() => unpin(path));
});

test('pin names with a dot are refused by bpffs', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => map.pin(`/sys/fs/bpf/tsbpf.dotted_${process.pid}`), BpfError);
});

test('fromId opens a map by id; an unknown id is ENOENT, a bad one InvalidArgument', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 2, name: 'tsbpf_byid' });
  map.update(u32(1), u32(5));
  using byId = BpfMap.fromId(map.id);
  assert.equal(byId.name, 'tsbpf_byid');
  assert.deepEqual(byId.lookup(u32(1)), u32(5));
  assert.throws(() => BpfMap.fromId(0x7fff_fff0), (e: unknown) => e instanceof BpfError && e.code === 'ENOENT' && /no map has id/.test(e.hint));
  assert.throws(() => BpfMap.fromId(-1), InvalidArgumentError);
});

test('fromFd and fromPinned refuse what is not a map, and close it', () => {
  const fd = new FileDescriptor(openSync('/proc/self/status', 'r'), 'file');
  assert.throws(() => BpfMap.fromFd(fd), InvalidArgumentError);
  assert.equal(fd.closed, true);
});
