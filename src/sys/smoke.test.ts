import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpf, NativeMemory, abi, closeRawFd, PreparedMapElem } from './index.js';
import { BpfError } from '../errors.js';

test('a hash map round-trips one element through the raw commands', () => {
  const fd = bpf.mapCreate({ type: abi.MapTypeId.HASH, keySize: 4, valueSize: 8, maxEntries: 4, name: 'smoke' });
  const key = new NativeMemory(4);
  const value = new NativeMemory(8);
  const elem = new PreparedMapElem(fd, key.address, value.address);
  try {
    key.view.setUint32(0, 7, true);
    value.view.setBigUint64(0, 42n, true);
    elem.update(0);
    value.view.setBigUint64(0, 0n, true);
    assert.equal(elem.lookup(0), true);
    assert.equal(value.view.getBigUint64(0, true), 42n);
    key.view.setUint32(0, 8, true);
    assert.equal(elem.lookup(0), false);
    assert.equal(elem.delete(), false);
    key.view.setUint32(0, 7, true);
    assert.equal(elem.delete(), true);
  } finally {
    elem.free();
    closeRawFd(fd);
    key.free();
    value.free();
  }
});

test('an impossible map is a BpfError naming the command and errno', () => {
  assert.throws(() => bpf.mapCreate({ type: abi.MapTypeId.HASH, keySize: 0, valueSize: 8, maxEntries: 4 }), (error: unknown) => {
    assert.ok(error instanceof BpfError);
    assert.equal(error.command, 'BPF_MAP_CREATE');
    assert.equal(error.code, 'EINVAL');
    assert.match(error.hint, /key_size/);
    return true;
  });
});
