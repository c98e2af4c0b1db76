/**
 * The map library against bpftool 7.1 on the same live maps: `map show`, `map dump`, `map lookup` and
 * `map getnext` text, -j and -p output byte for byte, for every map of the loader corpus's map objects and
 * for a map of every BTF kind btf_dumper formats (compiled here from the C below).
 *
 * One known difference, on purpose: bpftool 7.1's `map list` (no argument) shows a map without BTF with
 * the previous map's `btf_id`. It reuses one bpf_map_info for the whole walk and kernels since 6.16 read
 * that struct in before filling it, leaving btf_id untouched when the map has no BTF (`map show id N`
 * prints the same map correctly). tsbpf prints the kernel's value: the list test compares each map's block
 * with bpftool's `map show id N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpfError, Errno } from '../errors.js';
import { loadObject } from '../loader/index.js';
import type { BpfObject } from '../loader/index.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { corpus } from '../test-support/corpus.js';
import { openFdCount, quietKernelObjectCounts, settledKernelObjectCounts } from '../test-support/kernel.js';
import { formatDump, formatGetNext, formatLookup, formatLookupMiss, formatMaps, type MapOutputMode } from './map-text.js';
import { dumpMap, dumpOpenMap, listMaps, lookupElement, mapDetails, mapDetailsByFd, mapValueBtf, nextKey } from './maps.js';

const MODES: readonly { flags: string[]; mode: MapOutputMode }[] = [
  { flags: [], mode: { json: false, pretty: false } },
  { flags: ['-j'], mode: { json: true, pretty: false } },
  { flags: ['-p'], mode: { json: true, pretty: true } },
];

function bpftool(args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync('bpftool', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: result.status, stdout: result.stdout };
}

/** Every BTF kind bpftool's btf_dumper meets in map values: strings and char arrays, bitfields, enums, bool, pointers, 128-bit ints, unions, nested arrays, datasec. */
const KINDS_C = String.raw`
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
enum color { RED, GREEN = 5, BLUE = -1 };
enum big { HUGE = 0x80000000u };
typedef char tchar;
struct bits { unsigned int a:3, b:5; int c:7; unsigned long long d:40; unsigned char e:1; };
union either { int i; char c[4]; };
struct value {
  char name[8]; char raw[4]; char weird[4]; unsigned char bytes[3]; tchar tname[4]; signed char sc;
  _Bool flag; _Bool flag2; short s; unsigned short us; int i; unsigned int u; long long ll; unsigned long long ull;
  enum color color; enum color unknown; enum big big; struct bits bits; union either either;
  void *ptr; void *null_ptr; int matrix[2][3]; const volatile int cv; __int128 wide; unsigned __int128 uwide;
  char quote[8];
};
struct key { unsigned int id; char tag[4]; };
struct with_float { int before; float f; int after; };
struct { __uint(type, 1); __uint(max_entries, 8); __type(key, struct key); __type(value, struct value); } kinds SEC(".maps");
struct { __uint(type, 5); __uint(max_entries, 8); __type(key, enum color); __type(value, struct bits); } per_cpu_bits SEC(".maps");
struct { __uint(type, 2); __uint(max_entries, 2); __type(key, int); __type(value, struct with_float); } floats SEC(".maps");
struct value global_value = { .name = "hello", .raw = {'a','b','c','d'}, .weird = {'x', 1, 0, 0}, .bytes = {1,2,3}, .tname = "ab",
  .sc = -3, .flag = 1, .s = -2, .us = 65535, .i = -100, .u = 4000000000u, .ll = -5, .ull = 18446744073709551615ull,
  .color = GREEN, .unknown = 7, .big = HUGE, .bits = { 5, 17, -3, 0x123456789aull, 1 }, .either = { .i = 0x41424344 },
  .matrix = {{1,2,3},{4,5,6}}, .cv = 9, .wide = -1, .uwide = 5, .quote = "a\"b\\c'" };
int counter;
const volatile char banner[16] = "tsbpf\tmap";
SEC("socket") int prog(void *ctx) { return global_value.i + counter + banner[0]; }
char LICENSE[] SEC("license") = "GPL";
`;

/** Compiles KINDS_C; a string says why it could not. */
function compileKinds(directory: string): string | { path: string } {
  const source = join(directory, 'kinds.bpf.c');
  const path = join(directory, 'kinds.bpf.o');
  writeFileSync(source, KINDS_C);
  const result = spawnSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', source, '-o', path], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return `clang could not build the BTF kinds object: ${result.error?.message ?? result.stderr}`;
  return { path };
}

/** What the CLI prints for `show`/`dump`/`lookup`/`getnext` on map `id`, through the same library calls. */
function ours(command: 'show' | 'dump' | 'getnext' | 'lookup', id: number, mode: MapOutputMode, key?: Uint8Array): string {
  using map = BpfMap.fromId(id);
  switch (command) {
    case 'show': return formatMaps([mapDetailsByFd(map.fd.value, map.info())], mode, true);
    case 'dump': return formatDump([dumpOpenMap(map, { decode: false })], mode);
    case 'getnext': return formatGetNext(key, nextKey(map, key)!, mode);
    case 'lookup': {
      const entry = lookupElement(map, key!);
      const info = map.info();
      return entry ? formatLookup(info, mapValueBtf(info), entry, mode) : formatLookupMiss(key!, mode);
    }
  }
}

function bytesWords(bytes: Uint8Array): string[] {
  return ['hex', ...Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))];
}

/** show, dump, getnext and lookup of the first keys, in every mode, against bpftool. Returns how many outputs matched. */
function compareWithBpftool(id: number, label: string): number {
  let compared = 0;
  for (const { flags, mode } of MODES) {
    const show = bpftool([...flags, 'map', 'show', 'id', String(id)]);
    assert.equal(show.status, 0, `${label}: bpftool map show`);
    assert.equal(ours('show', id, mode), show.stdout, `${label}: map show ${flags.join(' ')}`);
    const dump = bpftool([...flags, 'map', 'dump', 'id', String(id)]);
    assert.equal(ours('dump', id, mode), dump.stdout, `${label}: map dump ${flags.join(' ')}`);
    compared += 2;
    using map = BpfMap.fromId(id);
    const walk = dumpOpenMap(map, { decode: false });
    assert.equal(walk.walkErrno !== 0, dump.status !== 0, `${label}: the dump fails where bpftool's does (errno ${walk.walkErrno})`);
    if (map.keySize === 0 || walk.walkErrno !== 0) continue;
    const first = nextKey(map, undefined);
    if (!first) continue;
    const getnext = bpftool([...flags, 'map', 'getnext', 'id', String(id)]);
    assert.equal(ours('getnext', id, mode), getnext.stdout, `${label}: map getnext ${flags.join(' ')}`);
    const after = bpftool([...flags, 'map', 'getnext', 'id', String(id), 'key', ...bytesWords(first)]);
    if (after.status === 0) assert.equal(ours('getnext', id, mode, first), after.stdout, `${label}: map getnext key ${flags.join(' ')}`);
    if (map.type === MapType.ArrayOfMaps || map.type === MapType.HashOfMaps || map.type === MapType.ProgArray || map.type === MapType.PerfEventArray || map.type === MapType.CgroupArray) {
      continue; // lookups return ids (or refuse) where bpftool prints fds' ids the same way; the dump covers them
    }
    const lookup = bpftool([...flags, 'map', 'lookup', 'id', String(id), 'key', ...bytesWords(first)]);
    if (lookup.status === 0) {
      assert.equal(ours('lookup', id, mode, first), lookup.stdout, `${label}: map lookup ${flags.join(' ')}`);
      compared++;
    }
    compared += 1;
  }
  return compared;
}

const CORPUS_MAP_OBJECTS = [
  'map_hash', 'map_array', 'map_lpm_trie', 'map_in_map', 'map_prog_array', 'data_rodata', 'data_data_bss', 'data_strings',
  'map_ringbuf', 'map_perf_event_array', 'map_local_storage', 'map_bloom', 'map_stack_queue', 'map_misc', 'map_redirect', 'map_sockmap',
];

test('show, dump, getnext and lookup match bpftool 7.1 byte for byte on every corpus map, text, -j and -p', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  const before = await quietKernelObjectCounts();
  const fds = openFdCount();
  const objects: BpfObject[] = [];
  try {
    for (const name of CORPUS_MAP_OBJECTS) {
      try {
        objects.push(await loadObject(built.path(`loader/${name}.bpf.o`), { pinRoot: '/sys/fs/bpf/tsbpf-map-test-none' }));
      } catch (error) {
        t.diagnostic(`${name} does not load here: ${(error as Error).message}`);
      }
    }
    // elements to show: a struct key, per-CPU values, an LPM prefix, a byte-sized hash
    const maps = Object.assign({}, ...objects.map((o) => o.maps)) as Record<string, BpfMap>;
    maps.flows?.update(Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2, 0x1f, 0x90, 0, 80), Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0));
    maps.sized_hash?.update(Uint8Array.of(1, 0, 0, 0), Uint8Array.from({ length: 16 }, (_, i) => i * 17));
    maps.per_cpu_counts?.update(Uint8Array.of(3, 0, 0, 0), new Uint8Array(maps.per_cpu_counts.valueBufferSize).fill(2));
    maps.recent?.update(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), Uint8Array.of(9, 0, 0, 0));
    maps.routes4?.update(Uint8Array.of(24, 0, 0, 0, 192, 168, 1, 0), Uint8Array.of(1, 0, 0, 0));
    maps.by_protocol?.update(Uint8Array.of(6, 0, 0, 0), Uint8Array.from({ length: 16 }, (_, i) => i));
    let compared = 0;
    let mapCount = 0;
    for (const [name, map] of Object.entries(maps)) {
      compared += compareWithBpftool(map.id, `${name} (${map.typeName})`);
      mapCount++;
    }
    t.diagnostic(`${mapCount} maps, ${compared} outputs identical to bpftool's`);
    assert.ok(mapCount >= 30, `only ${mapCount} corpus maps loaded`);
  } finally {
    for (const object of objects) object.close();
  }
  assert.equal(openFdCount(), fds, 'leaked fds');
  assert.deepEqual(await settledKernelObjectCounts(before), before, 'kernel objects left behind');
});

test('btf_dumper formats every BTF kind as bpftool does: strings, bitfields, enums, bool, pointers, int128, unions, floats refused', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'tsbpf-map-kinds-'));
  try {
    const compiled = compileKinds(directory);
    if (typeof compiled === 'string') return t.skip(compiled);
    using object = await loadObject(compiled.path);
    const { kinds, per_cpu_bits: perCpuBits, floats } = object.maps as Record<string, BpfMap>;
    // a value of every byte pattern: printable and non-printable chars, set sign bits, non-zero pointers
    kinds!.update(Uint8Array.of(1, 0, 0, 0, 0x41, 0x42, 0, 0), Uint8Array.from({ length: kinds!.valueSize }, (_, i) => ((i + 1) * 7) & 0xff));
    kinds!.update(Uint8Array.of(2, 0, 0, 0, 0x7f, 1, 2, 3), new Uint8Array(kinds!.valueSize));
    perCpuBits!.update(Uint8Array.of(5, 0, 0, 0), new Uint8Array(perCpuBits!.valueBufferSize).fill(0xff));
    perCpuBits!.update(Uint8Array.of(9, 0, 0, 0), new Uint8Array(perCpuBits!.valueBufferSize).fill(0x5a));
    floats!.update(Uint8Array.of(1, 0, 0, 0), Uint8Array.of(1, 0, 0, 0, 0, 0, 0x80, 0x3f, 2, 0, 0, 0));
    for (const [name, map] of Object.entries(object.maps)) compareWithBpftool(map.id, `kinds ${name}`);
    // the decoded values the library hands to programs (not bpftool's text): plain JS data
    const zeroed = dumpMap(kinds!.id).entries.find((entry) => entry.key[0] === 2)!;
    assert.deepEqual(zeroed.decoded!.key, { id: 2, tag: '\x7f\x01\x02\x03' });
    assert.equal((zeroed.decoded!.value as Record<string, unknown>).color, 'RED');
    assert.equal(dumpMap(floats!.id).entries.length, 2);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('listMaps matches bpftool map show id N for each map, and a map freed mid-walk is skipped', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  using object = await loadObject(built.path('loader/map_hash.bpf.o'));
  const ids = new Set(Object.values(object.maps).map((m) => m.id));
  for (const { flags, mode } of MODES) {
    const listed = listMaps().filter((d) => ids.has(d.info.id));
    assert.equal(listed.length, ids.size);
    for (const details of listed) {
      assert.equal(formatMaps([details], mode, true), bpftool([...flags, 'map', 'show', 'id', String(details.info.id)]).stdout);
    }
  }
  // a map freed while others list: ids vanish between the walk and the open; listMaps never throws
  for (let round = 0; round < 20; round++) {
    const map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1, name: 'vanishing' });
    const id = map.id;
    map.close();
    const listed = listMaps();
    assert.ok(listed.every((d) => d.info.id !== id || d.info.name === 'vanishing'));
  }
  assert.throws(() => mapDetails(0x7fff_fff0), (e: unknown) => e instanceof BpfError && e.errno === Errno.ENOENT);
});

test('bpftool never prints pids here (built without its pid iterator): tsbpf prints none unless given owners', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  using object = await loadObject(built.path('loader/map_array.bpf.o'));
  const map = object.maps.settings!;
  const plain = formatMaps([mapDetailsByFd(map.fd.value, map.info())], { json: false, pretty: false });
  assert.doesNotMatch(plain, /pids/);
  assert.doesNotMatch(bpftool(['map', 'show', 'id', String(map.id)]).stdout, /pids/);
  // with an owners table, bpftool's own format: a last `pids comm(pid), comm(pid)` line and a JSON "pids" array
  const owners = new Map([[map.id, [{ pid: process.pid, comm: 'node' }, { pid: 1, comm: 'init' }]]]);
  const details = mapDetailsByFd(map.fd.value, map.info(), owners);
  const withOwners = formatMaps([details], { json: false, pretty: false });
  assert.equal(withOwners, `${plain.trimEnd()}\n\tpids node(${process.pid}), init(1)\n`);
  const json = JSON.parse(formatMaps([details], { json: true, pretty: false }, true)) as { pids: unknown; btf_id: number };
  assert.deepEqual(json.pids, [{ pid: process.pid, comm: 'node' }, { pid: 1, comm: 'init' }]);
  assert.deepEqual(Object.keys(json).slice(-2), ['btf_id', 'pids'], 'pids come last, as bpftool emits them');
  void execFileSync;
});
