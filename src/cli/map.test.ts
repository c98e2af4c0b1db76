/**
 * `tsbpf map` as a process: element commands and create/pin/freeze checked through bpftool, owners lines,
 * and the failure contract (usage errors exit 2, failures exit 1, one line, unprivileged users told why).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadObject } from '../loader/index.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { corpus } from '../test-support/corpus.js';
import { quietKernelObjectCounts, settledKernelObjectCounts } from '../test-support/kernel.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const UNPRIVILEGED = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all'];

function tsbpf(args: string[], prefix: string[] = []) {
  const [command, ...commandArgs] = prefix.length ? [...prefix, process.execPath, cli, ...args] : [process.execPath, cli, ...args];
  const result = spawnSync(command!, commandArgs, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function bpftool(args: string[]) {
  const result = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertOneLine(result: { stderr: string }, pattern: RegExp): void {
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

test('create, update, lookup, getnext, delete, pin and freeze, each seen by bpftool', async () => {
  const before = await quietKernelObjectCounts();
  const pin = `/sys/fs/bpf/tsbpf-map-cli-${process.pid}`;
  const second = `${pin}-again`;
  try {
    const created = tsbpf(['map', 'create', pin, 'type', 'hash', 'key', '4', 'value', '8', 'entries', '16', 'name', 'cli_create', 'flags', '1']);
    assert.equal(created.status, 0, created.stderr);
    const shown = JSON.parse(bpftool(['-j', 'map', 'show', 'pinned', pin]).stdout) as Record<string, unknown>;
    assert.deepEqual([shown.type, shown.name, shown.flags, shown.bytes_key, shown.bytes_value, shown.max_entries], ['hash', 'cli_create', 1, 4, 8, 16]);
    assert.equal(tsbpf(['-j', 'map', 'update', 'pinned', pin, 'key', '0x01', '0', '0', '0', 'value', 'hex', '2a', '0', '0', '0', '0', '0', '0', '0']).stdout, 'null\n');
    for (const flags of [[], ['-j'], ['-p']]) {
      const args = [...flags, 'map', 'lookup', 'pinned', pin, 'key', '1', '0', '0', '0'];
      assert.equal(tsbpf(args).stdout, bpftool(args).stdout);
      assert.equal(tsbpf([...flags, 'map', 'getnext', 'pinned', pin]).stdout, bpftool([...flags, 'map', 'getnext', 'pinned', pin]).stdout);
      assert.equal(tsbpf([...flags, 'map', 'show', 'pinned', pin]).stdout, bpftool([...flags, 'map', 'show', 'pinned', pin]).stdout);
    }
    const exists = tsbpf(['map', 'update', 'pinned', pin, 'key', '1', '0', '0', '0', 'value', '0', '0', '0', '0', '0', '0', '0', '0', 'noexist']);
    assertOneLine(exists, /^tsbpf: map update: .*EEXIST/);
    assert.equal(exists.status, 1);
    assert.equal(tsbpf(['map', 'delete', 'pinned', pin, 'key', '1', '0', '0', '0']).status, 0);
    const miss = tsbpf(['map', 'lookup', 'pinned', pin, 'key', '1', '0', '0', '0']);
    assert.equal(miss.stdout, bpftool(['map', 'lookup', 'pinned', pin, 'key', '1', '0', '0', '0']).stdout, 'Not found text');
    assert.equal(miss.status, 1);
    assert.equal(tsbpf(['map', 'pin', 'pinned', pin, second]).status, 0);
    assert.equal(bpftool(['-j', 'map', 'show', 'pinned', second]).stdout, bpftool(['-j', 'map', 'show', 'pinned', pin]).stdout);
    assert.equal(tsbpf(['map', 'freeze', 'pinned', pin]).status, 0);
    assert.match(bpftool(['map', 'show', 'pinned', pin]).stdout, /\n\tfrozen\n$/);
    const frozen = tsbpf(['map', 'update', 'pinned', pin, 'key', '1', '0', '0', '0', 'value', '0', '0', '0', '0', '0', '0', '0', '0']);
    assertOneLine(frozen, /^tsbpf: map update: .*EPERM/);
  } finally {
    rmSync(pin, { force: true });
    rmSync(second, { force: true });
  }
  assert.ok(!existsSync(pin));
  assert.deepEqual(await settledKernelObjectCounts(before), before, 'kernel objects left behind');
});

test('prog arrays and maps of maps take `value id N` / `value pinned P`; dumps then match bpftool', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  using programs = await loadObject(built.path('loader/map_prog_array.bpf.o'));
  using maps = await loadObject(built.path('loader/map_in_map.bpf.o'));
  const stages = programs.maps.stages!;
  const program = Object.values(programs.programs)[0]!;
  const updated = tsbpf(['map', 'update', 'id', String(stages.id), 'key', '1', '0', '0', '0', 'value', 'id', String(program.info().id)]);
  assert.equal(updated.status, 0, updated.stderr);
  const tenants = maps.maps.tenants!;
  assert.equal(tsbpf(['map', 'update', 'id', String(tenants.id), 'key', '2', '0', '0', '0', 'value', 'id', String(maps.maps.tenant_a!.id)]).status, 0);
  for (const flags of [[], ['-j'], ['-p']]) {
    for (const id of [stages.id, tenants.id]) {
      assert.equal(tsbpf([...flags, 'map', 'dump', 'id', String(id)]).stdout, bpftool([...flags, 'map', 'dump', 'id', String(id)]).stdout);
    }
  }
  assert.match(bpftool(['map', 'dump', 'id', String(stages.id)]).stdout, /key: 01 00 00 00/);
});

test('owners: show prints `pids comm(pid)` for this process, and is bpftool\'s text without that line', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  using object = await loadObject(built.path('loader/map_hash.bpf.o'));
  const id = String(object.maps.flows!.id);
  const text = tsbpf(['map', 'show', 'id', id]).stdout;
  assert.match(text, new RegExp(`\\n\\tpids [^\\n]*node\\(${process.pid}\\)`));
  assert.equal(text.replace(/\n\tpids [^\n]*/, ''), bpftool(['map', 'show', 'id', id]).stdout);
  const json = JSON.parse(tsbpf(['-j', 'map', 'show', 'id', id]).stdout) as { pids?: { pid: number; comm: string }[] };
  assert.ok(json.pids?.some((owner) => owner.pid === process.pid && owner.comm === 'node'), JSON.stringify(json.pids));
  delete json.pids;
  assert.deepEqual(json, JSON.parse(bpftool(['-j', 'map', 'show', 'id', id]).stdout));
});

test('ring buffers cannot be dumped: bpftool\'s output, then one line and exit 1', async (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  using object = await loadObject(built.path('loader/map_ringbuf.bpf.o'));
  const id = String(object.maps.events!.id);
  const result = tsbpf(['map', 'dump', 'id', id]);
  assert.equal(result.stdout, bpftool(['map', 'dump', 'id', id]).stdout);
  assert.notEqual(bpftool(['map', 'dump', 'id', id]).status, 0);
  assert.equal(result.status, 1);
  assertOneLine(result, /^tsbpf: map dump: BPF_MAP_GET_NEXT_KEY failed/);
});

test('malformed words exit 2, unknown maps exit 1, each with one line', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1, name: 'malformed' });
  const usage: string[][] = [
    ['map', 'lookup', 'id', String(map.id), 'key', '1', 'x', '0', '0'],
    ['map', 'lookup', 'id', String(map.id), 'key', '1', '0'],
    ['map', 'update', 'id', String(map.id), 'key', '1', '0', '0', '0', 'value', '1', '0', '0', '0', 'any', 'exist'],
    ['map', 'show', 'id', 'seven'],
    ['map', 'dump', 'frob', '1'],
    ['map', 'create', '/sys/fs/bpf/x', 'type', 'nosuchtype', 'key', '4', 'value', '4', 'entries', '1', 'name', 'x'],
    ['map', 'create', '/sys/fs/bpf/x', 'type', 'hash'],
  ];
  for (const args of usage) {
    const result = tsbpf(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assertOneLine(result, /^tsbpf: map /);
  }
  for (const args of [['map', 'show', 'id', '2147483000'], ['map', 'dump', 'pinned', '/sys/fs/bpf/no-such-pin'], ['map', 'lookup', 'name', 'no_such_map_x', 'key', '1']]) {
    const result = tsbpf(args);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assertOneLine(result, /^tsbpf: map /);
  }
});

test('an unprivileged user gets one line and exit 1', () => {
  for (const args of [['map', 'list'], ['map', 'dump', 'id', '1'], ['map', 'create', '/sys/fs/bpf/x', 'type', 'hash', 'key', '4', 'value', '4', 'entries', '1', 'name', 'x']]) {
    const result = tsbpf(args, UNPRIVILEGED);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assertOneLine(result, /^tsbpf: map \w+: .*EPERM/);
  }
});
