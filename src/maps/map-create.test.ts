import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpf } from '../sys/index.js';
import { BpfError, InvalidArgumentError, NotSupportedError } from '../errors.js';
import { bpftoolJson, kernelIds } from '../test-support/kernel.js';
import { BpfMap } from './map.js';
import { defaultSpecFor } from './map-defaults.js';
import { explainCreateError } from './map-create.js';
import { ALL_MAP_TYPES, MapType, mapTypeName } from './map-types.js';
import { haveMapType } from '../features/map-types.js';
import { possibleCpuCount } from '../sys/index.js';
import { encodeStorageBtf } from './storage-btf.js';

interface BpftoolMap {
  id: number; type: string; name: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number; btf_id?: number;
}

test('every map type but struct_ops creates with its default spec and bpftool agrees on its attributes', () => {
  const before = kernelIds('map');
  for (const type of ALL_MAP_TYPES) {
    if (type === MapType.StructOps) continue;
    // a type this kernel lacks (cgrp_storage before 6.2) is the feature probe's to report, not a failure here
    if (!haveMapType(type).supported) continue;
    const spec = defaultSpecFor(type);
    using map = BpfMap.create({ ...spec, name: 'tsbpf_types' });
    const shown = bpftoolJson<BpftoolMap>('map', 'show', 'id', String(map.id));
    const label = mapTypeName(type);
    // bpftool 7.1 does not know some newer types (cgrp_storage) and prints the number instead.
    assert.ok(shown.type === label || Number(shown.type) === type, `${label}: bpftool says ${shown.type}`);
    assert.equal(map.typeName, label);
    assert.equal(shown.name, 'tsbpf_types', label);
    assert.equal(shown.bytes_key, spec.keySize, label);
    assert.equal(shown.bytes_value, spec.valueSize, label);
    const entries = type === MapType.PerfEventArray ? possibleCpuCount() : spec.maxEntries;
    assert.equal(shown.max_entries, entries, label);
    assert.equal(map.maxEntries, entries, label);
    // The kernel may add flags (devmap gets BPF_F_RDONLY_PROG); ours must all be there.
    assert.equal(shown.flags & (spec.flags ?? 0), spec.flags ?? 0, label);
    assert.equal(map.flags, shown.flags, label);
    if ([MapType.SkStorage, MapType.InodeStorage, MapType.TaskStorage, MapType.CgrpStorage].includes(type as 24)) {
      assert.ok((shown.btf_id ?? 0) > 0, `${label} carries BTF`);
    }
  }
  assert.deepEqual([...kernelIds('map')].filter((id) => !before.has(id)), [], 'no map outlives the test (nor the BTF-holding storage maps)');
});

test('info() decodes struct bpf_map_info', () => {
  using map = BpfMap.create({ type: MapType.BloomFilter, keySize: 0, valueSize: 4, maxEntries: 8, mapExtra: 4n, name: 'tsbpf_info' });
  const info = map.info();
  assert.equal(info.type, MapType.BloomFilter);
  assert.equal(info.id, map.id);
  assert.equal(info.name, 'tsbpf_info');
  assert.equal(info.valueSize, 4);
  assert.equal(info.maxEntries, 8);
  assert.equal(info.mapExtra, 4n);
  assert.equal(info.btfId, 0);
});

test('storage maps keep the BTF tsbpf loads for them, with key int and a struct value', () => {
  using map = BpfMap.create({ ...defaultSpecFor(MapType.TaskStorage), valueSize: 12 });
  const info = map.info();
  assert.ok(info.btfId > 0);
  assert.equal(info.btfKeyTypeId, 1);
  assert.equal(info.btfValueTypeId, 4);
  const dumped = JSON.stringify(bpftoolJson('btf', 'dump', 'id', String(info.btfId)));
  assert.match(dumped, /storage_value/);
  assert.equal(encodeStorageBtf(12).length, 24 + 20 * 4 + 29);
});

test('names longer than 15 characters are cut by the kernel, not refused', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1, name: 'a_rather_long_map_name' });
  assert.equal(map.name, 'a_rather_long_m');
});

test('perf_event_array with 0 entries gets one per possible CPU', () => {
  using map = BpfMap.create({ type: MapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries: 0 });
  assert.equal(map.maxEntries, possibleCpuCount());
});

test('an unknown map type is an InvalidArgumentError before the kernel', () => {
  assert.throws(() => BpfMap.create({ type: 99 as MapType, keySize: 4, valueSize: 4, maxEntries: 1 }),
    (error: unknown) => error instanceof InvalidArgumentError && /unknown map type 99/.test(error.message));
  assert.throws(() => defaultSpecFor(99 as MapType), InvalidArgumentError);
});

test('bad sizes are refused before the kernel, impossible combinations by the kernel with a hint', () => {
  assert.throws(() => BpfMap.create({ type: MapType.Hash, keySize: -1, valueSize: 4, maxEntries: 1 }), InvalidArgumentError);
  assert.throws(() => BpfMap.create({ type: MapType.Hash, keySize: 1.5, valueSize: 4, maxEntries: 1 }), InvalidArgumentError);
  assert.throws(() => BpfMap.create({ type: MapType.Hash, keySize: 0, valueSize: 8, maxEntries: 4 }), (error: unknown) => {
    assert.ok(error instanceof BpfError);
    assert.equal(error.code, 'EINVAL');
    assert.match(error.message, /creating a hash map/);
    assert.match(error.hint, /key_size/);
    return true;
  });
  assert.throws(() => BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1, innerMap: defaultSpecFor(MapType.Array) }), InvalidArgumentError);
  assert.throws(() => BpfMap.create({ type: MapType.ArrayOfMaps, keySize: 4, valueSize: 4, maxEntries: 1 }), InvalidArgumentError);
});

test('a map type the kernel lacks is a BpfError EINVAL whose hint says the kernel may not have it', () => {
  // Type 99 stands in for a type this kernel predates: the kernel answers EINVAL just as an older one would.
  let raw: unknown;
  try {
    bpf.mapCreate({ type: 99, keySize: 4, valueSize: 4, maxEntries: 1 });
  } catch (error) {
    raw = error;
  }
  const explained = explainCreateError(raw, 99);
  assert.ok(explained instanceof BpfError);
  assert.equal(explained.code, 'EINVAL');
  assert.match(explained.hint, /this kernel doesn't have the type 99 map type/);
});

test('struct_ops is refused with a reason: it needs the object loader', () => {
  assert.throws(() => BpfMap.create(defaultSpecFor(MapType.StructOps)), (error: unknown) => {
    assert.ok(error instanceof NotSupportedError);
    assert.match(error.message, /btf_vmlinux_value_type_id/);
    return true;
  });
});

test('an inner map given as a live map works, and the template spec leaves nothing behind', () => {
  const before = kernelIds('map');
  using inner = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 2 });
  using outer = BpfMap.create({ type: MapType.HashOfMaps, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner });
  const key = new Uint8Array(4);
  const fdValue = new Uint8Array(4);
  new DataView(fdValue.buffer).setUint32(0, inner.fd.value, true);
  outer.update(key, fdValue);
  // User space writes an fd and reads back the inner map's id.
  assert.equal(new DataView(outer.lookup(key)!.buffer).getUint32(0, true), inner.id);
  outer.close();
  inner.close();
  assert.deepEqual([...kernelIds('map')].filter((id) => !before.has(id)), []);
});
