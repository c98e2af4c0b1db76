/**
 * BTF-defined maps against what the C says (corpus/maps.bpf.c and snippets compiled here) and against
 * libbpf's rules for refusing a definition.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Btf } from '../btf/btf.js';
import { parseElf } from '../elf/index.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { readBtfMaps, type BtfMap } from './btf-maps.js';
import { compileBpf } from './compile-c.test-support.js';
import { ObjectError } from './object-error.js';

const skip = hasTool('clang') ? false : 'clang is needed to build the objects';

function mapsOf(bytes: Uint8Array, strict = true): BtfMap[] {
  const elf = parseElf(bytes);
  const section = elf.sectionByName('.BTF')!;
  return readBtfMaps(elf, Btf.parse(section.data), section, { strict });
}

function byName(maps: readonly BtfMap[]): Map<string, BtfMap> {
  return new Map(maps.map((map) => [map.name, map]));
}

describe('BTF-defined maps', { skip }, () => {
  it('reads every map of corpus/maps.bpf.c, in both byte orders, as the C declares them', () => {
    const built = corpus();
    if (typeof built === 'string') return;
    for (const file of ['maps.o', 'maps.eb.o']) {
      const maps = mapsOf(new Uint8Array(readFileSync(built.path(file))));
      assert.deepEqual(maps.map((m) => m.name), ['inner', 'outer', 'per_cpu_counts', 'ring', 'events_by_pid'], file);
      const named = byName(maps);
      const events = named.get('events_by_pid')!;
      // struct event { u32 pid; u64 timestamp; char comm[16]; } is 32 bytes with padding
      assert.deepEqual([events.type, events.keySize, events.valueSize, events.maxEntries], [1, 4, 32, 1024], file);
      const counts = named.get('per_cpu_counts')!;
      assert.deepEqual([counts.type, counts.keySize, counts.valueSize, counts.maxEntries], [6, 4, 8, 4], file);
      const ring = named.get('ring')!;
      assert.deepEqual([ring.type, ring.keySize, ring.valueSize, ring.maxEntries], [27, undefined, undefined, 262144], file);
      const outer = named.get('outer')!;
      assert.equal(outer.type, 12, 'array_of_maps');
      assert.equal(outer.valueSize, 4, 'a map-in-map holds 4-byte map fds');
      assert.equal(outer.values?.kind, 'inner-map');
      assert.equal(outer.values?.inner?.name, 'outer.inner');
      assert.deepEqual([outer.values?.inner?.type, outer.values?.inner?.keySize, outer.values?.inner?.valueSize, outer.values?.inner?.maxEntries], [2, 4, 4, 1]);
      assert.deepEqual(outer.values?.initial, [{ slot: 0, symbol: 'inner' }]);
      // offsets come from the symbols (clang leaves the DATASEC's at 0)
      assert.deepEqual(maps.map((m) => m.offset), [...maps.map((m) => m.offset)].sort((a, b) => a - b));
      assert.equal(new Set(maps.map((m) => m.offset)).size, maps.length);
    }
  });

  it('reads every attribute: flags, sizes by number, pinning, numa node, map_extra, prog-array values', () => {
    const { bytes } = compileBpf(`
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(key_size, 8);
  __uint(value_size, 12);
  __uint(max_entries, 7);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
  __uint(numa_node, 3);
} sized SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __uint(max_entries, 100);
  __type(value, unsigned long long);
  __uint(map_extra, 5);
} bloom SEC(".maps");
int tail(void *ctx);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __type(key, unsigned int);
  __array(values, int (void *));
} jumps SEC(".maps") = { .values = { [2] = (void *)&tail } };
SEC("xdp") int tail(void *ctx) { return 2; }
char LICENSE[] SEC("license") = "GPL";
`);
    const named = byName(mapsOf(bytes));
    const sized = named.get('sized')!;
    assert.deepEqual(
      [sized.type, sized.keySize, sized.valueSize, sized.maxEntries, sized.mapFlags, sized.pinning, sized.numaNode, sized.keyTypeId],
      [1, 8, 12, 7, 1, 1, 3, undefined],
    );
    const bloom = named.get('bloom')!;
    assert.deepEqual([bloom.type, bloom.valueSize, bloom.maxEntries, bloom.mapExtra], [30, 8, 100, 5n]);
    const jumps = named.get('jumps')!;
    assert.equal(jumps.values?.kind, 'programs');
    assert.equal(jumps.valueSize, 4);
    assert.deepEqual(jumps.values?.initial, [{ slot: 2, symbol: 'tail' }]);
  });

  const refused: [string, string, RegExp][] = [
    ['an unknown member', '__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __uint(bogus, 1);', /map 'm': unknown field 'bogus'/],
    ['a key size that conflicts with the key type', '__uint(type, BPF_MAP_TYPE_HASH); __uint(key_size, 8); __type(key, int); __uint(max_entries, 1);', /conflicting key size 8 != 4/],
    ['a pinning value libbpf does not know', '__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __uint(pinning, 2);', /invalid pinning value 2/],
    ['values on a plain hash map', '__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __array(values, int (void *));', /map 'm': should be map-in-map or prog-array/],
    ['a definition without a type', '__uint(max_entries, 1);', /map 'm': map type isn't specified/],
    ['a pinned inner map', '__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS); __uint(max_entries, 1); __type(key, int); __array(values, struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, int); __uint(pinning, 1); });', /map 'm.inner': inner def can't be pinned/],
    ['an unknown member of an inner map', '__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS); __uint(max_entries, 1); __type(key, int); __array(values, struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __uint(extra, 1); });', /map 'm.inner': unknown field 'extra'/],
    ['a type that is not __uint()', 'int type; __uint(max_entries, 1);', /attribute 'type' is not a pointer to an array/],
  ];
  it('ignores unknown members in relaxed mode (libbpf\'s relaxed_maps), and names them', () => {
    const { bytes } = compileBpf('struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __uint(bogus, 1); } m SEC(".maps");\n');
    assert.deepEqual(mapsOf(bytes, false).map((m) => [m.name, m.type, m.ignoredMembers]), [['m', 2, ['bogus']]]);
  });

  for (const [what, members, message] of refused) {
    it(`refuses ${what}, as libbpf does, naming a byte of the file`, () => {
      const { bytes } = compileBpf(`struct { ${members} } m SEC(".maps");\nchar LICENSE[] SEC("license") = "GPL";\n`);
      assert.throws(() => mapsOf(bytes), (error: unknown) => {
        assert.ok(error instanceof ObjectError, String(error));
        assert.match(error.message, message);
        const btf = parseElf(bytes).sectionByName('.BTF')!;
        assert.ok(error.offset >= btf.offset && error.offset < btf.offset + btf.size, `offset ${error.offset} is inside .BTF`);
        return true;
      });
    });
  }
});
