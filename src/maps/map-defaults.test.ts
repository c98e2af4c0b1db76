import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpecFor } from './map-defaults.js';
import { ALL_MAP_TYPES, MapType } from './map-types.js';

test('defaultSpecFor covers every known type and needs no kernel', () => {
  for (const type of ALL_MAP_TYPES) assert.equal(defaultSpecFor(type).type, type);
  assert.equal(defaultSpecFor(MapType.Queue).keySize, 0);
  assert.equal(defaultSpecFor(MapType.RingBuf).maxEntries % 4096, 0);
  assert.ok(defaultSpecFor(MapType.ArrayOfMaps).innerMap);
});
