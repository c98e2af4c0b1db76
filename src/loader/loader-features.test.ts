/**
 * Loader features checked by their effect in the kernel, seen through bpftool: globals set before load,
 * .data/.bss through the mmap after load, pinned-map reuse and refusal, legacy map definitions,
 * verifier refusals tied to the C line, and nothing left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NotSupportedError, VerifierError } from '../errors.js';
import { haveAttachType } from '../features/attach-types.js';
import { AttachType } from '../programs/attach-types.js';
import { ProgramType } from '../programs/program-types.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { ensureBpffs } from '../sys/bpffs.js';
import { corpus } from '../test-support/corpus.js';
import { FIXTURES, fixturesMissing } from '../btf/test-fixtures.js';
import { oracleUnavailable, runOracle } from '../object/core/libbpf-oracle.test-support.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { loadObject, MapPinMismatchError, openObject } from './index.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const object = (name: string) => (typeof built === 'string' ? '' : built.path(`loader/${name}.bpf.o`));

test('a .rodata global set before load reaches the kernel: map bytes, frozen, and the program behaviour', { skip }, async () => {
  const packet = new Uint8Array(64); // zeros: a test run's skb->len is 50 (the Ethernet header is pulled), mark 0
  {
    using unchanged = await loadObject(object('data_rodata'));
    assert.equal(unchanged.programs.filter_by_config!.testRun({ data: packet }).returnValue, 0, 'target_port 8080 differs from mark 0');
  }
  const spec = await openObject(object('data_rodata'));
  assert.equal(spec.variables.target_port!.get(), 8080);
  spec.variables.target_port!.set(0); // a test run's skb->mark is 0
  spec.variables.limits!.set({ min_length: 7 });
  assert.throws(() => spec.variables.target_port!.set(-1), /does not fit/);
  assert.throws(() => spec.variables.limits!.set({ nope: 1 }), /has no member 'nope'/);
  using loaded = await loadObject(spec);
  const rodata = loaded.maps['.rodata']!;
  const dump = bpftoolJson<{ value: string[] }[]>('map', 'dump', 'id', String(rodata.id));
  const bytes = Uint8Array.from(dump[0]!.value.map((byte) => Number(byte)));
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(spec.variables.limits!.offset, true), 7, 'bpftool sees the new value in the .rodata map');
  assert.equal(bpftoolJson<{ frozen?: number }>('map', 'show', 'id', String(rodata.id)).frozen, 1, '.rodata is frozen');
  assert.equal(loaded.variables.target_port!.get(), 0, 'read back through the mmap');
  assert.equal(loaded.programs.filter_by_config!.testRun({ data: packet }).returnValue, 0xffffffff, 'min_length 7 and target_port 0: the program keeps it');
  assert.deepEqual(loaded.variables.limits!.get(), { min_length: 7, max_length: 1500 });
  assert.throws(() => loaded.variables.target_port!.set(1), /read-only/);
});

test('.data and .bss read and write through the mmap after load', { skip }, async () => {
  using loaded = await loadObject(object('data_data_bss'));
  assert.equal(loaded.variables.packets_seen!.get(), 100n, '.data starts with its initializer');
  loaded.programs.tally!.testRun({ data: new Uint8Array(64) });
  assert.equal(loaded.variables.packets_seen!.get(), 101n, 'the program\'s increment shows through the mmap');
  assert.equal((loaded.variables.totals!.get() as { packets: bigint }).packets, 1n, '.bss struct member written by the program');
  const lastComm = loaded.variables.last_comm!;
  lastComm.set('tsbpf');
  const bytes = loaded.maps['.bss']!.lookup(new Uint8Array(4))!;
  const seen = new TextDecoder().decode(bytes.subarray(lastComm.offset, lastComm.offset + 5));
  const value = 'tsbpf';
  assert.equal(seen, value, 'the map (read with a syscall) holds what the mmap wrote');
});

test('LIBBPF_PIN_BY_NAME: a second load reuses the pinned map; an incompatible pin is refused', { skip }, async () => {
  ensureBpffs();
  const root = mkdtempSync('/sys/fs/bpf/tsbpf_pins_');
  try {
    let firstId: number;
    {
      using first = await loadObject(object('map_pinning'), { pinRoot: root });
      firstId = first.maps.tsbpf_oracle_pinned!.id;
      using second = await loadObject(object('map_pinning'), { pinRoot: root });
      assert.equal(second.maps.tsbpf_oracle_pinned!.id, firstId, 'same kernel map');
      assert.notEqual(second.maps.not_pinned!.id, first.maps.not_pinned!.id, 'unpinned maps are per load');
    }
    assert.equal(bpftoolJson<{ id: number }>('map', 'show', 'pinned', `${root}/tsbpf_oracle_pinned`).id, firstId, 'the pin outlives the objects');
    rmSync(`${root}/tsbpf_oracle_pinned`);
    using wrong = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 16, name: 'wrong' });
    wrong.pin(`${root}/tsbpf_oracle_pinned`);
    const before = kernelSnapshot();
    await assert.rejects(loadObject(object('map_pinning'), { pinRoot: root }), (error: unknown) => error instanceof MapPinMismatchError && /type array/.test(error.message) && /rm /.test(error.hint));
    assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(object('map_pinning')))), [], 'a refused load leaves nothing behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('legacy struct bpf_map_def maps are created with their attributes (libbpf 1.x refuses them)', { skip }, async () => {
  using loaded = await loadObject(object('map_legacy_def'));
  const map = loaded.maps.old_counts!;
  const shown = bpftoolJson<{ type: string; bytes_key: number; bytes_value: number; max_entries: number; name: string }>('map', 'show', 'id', String(map.id));
  assert.deepEqual({ type: shown.type, key: shown.bytes_key, value: shown.bytes_value, max: shown.max_entries, name: shown.name }, { type: 'array', key: 4, value: 8, max: 4, name: 'old_counts' });
});

test('a verifier refusal names the C line it stopped at, and leaves nothing loaded', { skip }, async () => {
  const before = kernelSnapshot();
  const path = object('reject_null_deref');
  const source = readFileSync(path.replace('/.build/loader/', '/loader/').replace(/\.o$/, '.c'), 'utf8').split('\n');
  await assert.rejects(loadObject(path), (error: unknown) => {
    assert.ok(error instanceof VerifierError, String(error));
    const report = error.report!;
    assert.ok(report.source, 'the report has the C location');
    assert.match(error.message, /reject_null_deref\.bpf\.c:\d+/);
    assert.equal(report.source.text.trim(), source[report.source.line - 1]!.trim(), 'the source text is that line of the file');
    return true;
  });
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

test('fentry on a kernel without BPF trampolines: NotSupportedError with the probed reason (loads where the kernel has them)', { skip }, async () => {
  const probe = haveAttachType(ProgramType.Tracing, AttachType.TraceFentry);
  const before = kernelSnapshot();
  if (probe.supported) {
    using loaded = await loadObject(object('prog_fentry'));
    assert.ok(Object.keys(loaded.programs).length > 0);
    return;
  }
  await assert.rejects(loadObject(object('prog_fentry')), (error: unknown) => error instanceof NotSupportedError && error.message.includes(probe.reason));
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(object('prog_fentry')))), []);
});

test('.kconfig externs: the map and what the program reads equal libbpf\'s, and options override the config', { skip }, async () => {
  ensureBpffs();
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf_kconfig_');
  const packet = new Uint8Array(64);
  const dataFile = join(tmpdir(), `tsbpf-kconfig-${process.pid}.packet`);
  try {
    execFileSync('bpftool', ['prog', 'loadall', object('extern_kconfig'), `${dir}/progs`, 'pinmaps', `${dir}/maps`]);
    writeFileSync(dataFile, packet);
    execFileSync('bpftool', ['prog', 'run', 'pinned', `${dir}/progs/kconfig_values`, 'data_in', dataFile]);
    const libbpfBytes = (pin: string) => Uint8Array.from(bpftoolJson<{ value: string[] }[]>('map', 'dump', 'pinned', `${dir}/maps/${pin}`)[0]!.value.map(Number));
    using loaded = await loadObject(object('extern_kconfig'));
    assert.deepEqual(loaded.maps['.kconfig']!.lookup(new Uint8Array(4)), libbpfBytes('extern__kconfig'), 'the .kconfig map bytes');
    loaded.programs.kconfig_values!.testRun({ data: packet });
    assert.deepEqual(loaded.maps['.bss']!.lookup(new Uint8Array(4)), libbpfBytes('extern_k_bss'), 'what the program read from each extern');
    const hz = (loaded.variables.observed!.get() as bigint[])[3];
    assert.ok(hz !== undefined && hz > 0n, 'CONFIG_HZ read by the program');

    using overridden = await loadObject(object('extern_kconfig'), { kconfig: { CONFIG_HZ: '123', CONFIG_TSBPF_NOT_IN_ANY_KERNEL: '77' } });
    overridden.programs.kconfig_values!.testRun({ data: packet });
    const observed = overridden.variables.observed!.get() as bigint[];
    assert.equal(observed[3], 123n);
    assert.equal(observed[11], 77n);
    await assert.rejects(loadObject(object('extern_kconfig'), { kconfig: { CONFIG_NR_CPUS: 'y' } }), /CONFIG_NR_CPUS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataFile, { force: true });
  }
});

test('targetBtf: CO-RE resolves against another kernel\'s BTF (Debian 6.1), matching libbpf\'s btf_custom_path', { skip: skip || fixturesMissing() || oracleUnavailable() || false }, async () => {
  const path = object('btf_task_read');
  const custom = join(FIXTURES, 'vmlinux.btf');
  const libbpf = runOracle(path, custom);
  using retargeted = await loadObject(path, { targetBtf: custom });
  using native = await loadObject(path);
  const program = 'read_parent';
  const theirs = libbpf.programs.get(program)!;
  // BPF_CORE_READ moves each field's offset into a register (r = offset) and adds it to the pointer
  const additions = (slots: readonly { opcode: number; imm: number }[]) => slots.filter((s) => s.opcode === 0xb7).map((s) => s.imm);
  const xlatedAdditions = (id: number) => [...execFileSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(id)], { encoding: 'utf8' }).matchAll(/\(b7\) r\d+ = (-?\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(xlatedAdditions(retargeted.programs[program]!.id), additions(theirs), 'field offsets as libbpf computed them for 6.1');
  // on the fixture's own kernel (the 6.1 guest of the kernel matrix) both targets are the same kernel
  const fixtureRelease = readFileSync(join(FIXTURES, 'VERSION'), 'utf8').trim().replace(/^linux-image-/, '');
  if (release() !== fixtureRelease) {
    assert.notDeepEqual(xlatedAdditions(retargeted.programs[program]!.id), xlatedAdditions(native.programs[program]!.id), '6.1\'s task_struct differs from this kernel\'s');
  }
  await assert.rejects(loadObject(path, { targetBtf: '/nonexistent/vmlinux.btf' }), (error: unknown) => error instanceof NotSupportedError && /targetBtf/.test(error.hint));
});

test('a big-endian object on a little-endian kernel is refused before anything is created', { skip }, async () => {
  if (typeof built === 'string') return;
  await assert.rejects(loadObject(built.path('maps.eb.o')), (error: unknown) => error instanceof NotSupportedError && /big-endian/.test(error.message) && /bpfel/.test(error.hint));
});

test('.values: map-in-map and prog-array slots hold the same maps and programs as libbpf fills them', { skip }, async () => {
  ensureBpffs();
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf_values_');
  const nameOf = (kind: 'map' | 'prog', id: number) => bpftoolJson<{ name: string }>(kind, 'show', 'id', String(id)).name;
  /** slot → name of what it holds, from bpftool's dump (the kernel returns ids for these map types). */
  const slots = (dump: { key: string[]; value: string[] }[], kind: 'map' | 'prog') => Object.fromEntries(dump.map((entry) => {
    const word = (bytes: string[]) => new DataView(Uint8Array.from(bytes.map(Number)).buffer).getUint32(0, true);
    return [word(entry.key), nameOf(kind, word(entry.value))];
  }));
  try {
    for (const [file, outers] of [['map_in_map', { tenants: 'map', labels_by_cgroup: 'map' }], ['map_prog_array', { stages: 'prog' }]] as const) {
      execFileSync('bpftool', ['prog', 'loadall', object(file), `${dir}/${file}_progs`, 'pinmaps', `${dir}/${file}_maps`]);
      using loaded = await loadObject(object(file));
      for (const [outer, kind] of Object.entries(outers) as [string, 'map' | 'prog'][]) {
        const theirs = slots(bpftoolJson<{ key: string[]; value: string[] }[]>('map', 'dump', 'pinned', `${dir}/${file}_maps/${outer}`), kind);
        const ours = slots(bpftoolJson<{ key: string[]; value: string[] }[]>('map', 'dump', 'id', String(loaded.maps[outer]!.id)), kind);
        assert.ok(Object.keys(theirs).length > 0, `${file}/${outer}: libbpf filled slots`);
        assert.deepEqual(ours, theirs, `${file}/${outer}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('map_extra (bloom filter hash count) as libbpf sets it; bpftool 7.1 does not print it, so the kernel info is read', { skip }, async () => {
  ensureBpffs();
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf_extra_');
  try {
    execFileSync('bpftool', ['prog', 'loadall', object('map_bloom'), `${dir}/progs`, 'pinmaps', `${dir}/maps`]);
    using loaded = await loadObject(object('map_bloom'));
    for (const name of ['seen_cookies', 'seen_ports']) {
      using theirs = BpfMap.fromPinned(`${dir}/maps/${name}`);
      assert.equal(loaded.maps[name]!.info().mapExtra, theirs.info().mapExtra, name);
    }
    assert.ok(Object.values(loaded.maps).some((map) => map.info().mapExtra !== 0n), 'the corpus sets a non-zero map_extra');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
