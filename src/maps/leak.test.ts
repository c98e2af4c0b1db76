import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { bpftoolJson, openFdCount } from '../test-support/kernel.js';
import { BpfMap } from './map.js';
import { MapType } from './map-types.js';

const NAME = 'tsbpf_leak';

function kernelMaps(): { total: number; ours: number } {
  const maps = bpftoolJson<{ name?: string }[]>('map', 'list');
  return { total: maps.length, ours: maps.filter((map) => map.name === NAME).length };
}

test('10 000 map create/close cycles leave fds and kernel maps as they were', async () => {
  const fdsBefore = openFdCount();
  const before = kernelMaps();
  const key = new Uint8Array(4);
  const value = new Uint8Array(8);
  for (let i = 0; i < 10_000; i++) {
    const map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1, name: NAME });
    map.update(key, value);
    map.close();
  }
  assert.equal(openFdCount(), fdsBefore);
  // The kernel frees a closed map from a work queue, a moment after the last fd goes.
  let after = kernelMaps();
  for (let tries = 0; tries < 50 && (after.ours > before.ours || after.total !== before.total); tries++) {
    await sleep(100);
    after = kernelMaps();
  }
  assert.equal(after.ours, before.ours);
  assert.equal(after.total, before.total);
});
