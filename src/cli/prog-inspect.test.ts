/**
 * `tsbpf prog show|list|dump|pin|tracelog` as a process, against bpftool 7.1: the same text for the
 * programs this test loads, the same raw bytes for `dump xlated file`, the same pinned program, and
 * bpf_printk output from a test run through `prog tracelog`. Failures: unknown id (exit 1, one line),
 * malformed id (exit 2), unprivileged (exit 1, one line). bpftool 7.1 here prints no `pids` lines (no
 * pid iterator), so ours are removed before comparing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProgramBuilder, R0, R1, R2, R3, R10 } from '../asm/builder.js';
import { loadObject } from '../loader/load-object.js';
import { Program } from '../programs/program.js';
import { ProgramType } from '../programs/program-types.js';
import { corpus, hasTool } from '../test-support/corpus.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const built = corpus();
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasTool('bpftool') ? 'bpftool is the oracle' : typeof built === 'string' ? built : false;

function tsbpf(args: string[], prefix: string[] = []) {
  const command = prefix.length ? prefix[0]! : process.execPath;
  const commandArgs = prefix.length ? [...prefix.slice(1), process.execPath, cli, ...args] : [cli, ...args];
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const bpftool = (...args: string[]) => execFileSync('bpftool', args, { encoding: 'utf8' });
const withoutPids = (text: string) => text.replace(/\n\tpids [^\n]*/g, '');

test('prog show, list and dump xlated print what bpftool prints', { skip }, async () => {
  if (typeof built === 'string') return;
  using object = await loadObject(built.path('loader/code_subprogs.bpf.o'));
  using second = await loadObject(built.path('loader/prog_xdp.bpf.o'));
  for (const program of [...Object.values(object.programs), ...Object.values(second.programs)]) {
    const id = String(program.id);
    for (const verb of ['show', 'list']) {
      const ours = tsbpf(['prog', verb, 'id', id]);
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(withoutPids(ours.stdout), bpftool('prog', 'show', 'id', id));
    }
    const json = tsbpf(['-j', 'prog', 'show', 'id', id]);
    const { pids: _pids, ...rest } = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(rest, JSON.parse(bpftool('-j', 'prog', 'show', 'id', id)));
    for (const keyword of [[], ['linum'], ['opcodes']]) {
      const dump = tsbpf(['prog', 'dump', 'xlated', 'id', id, ...keyword]);
      assert.equal(dump.stdout, bpftool('prog', 'dump', 'xlated', 'id', id, ...keyword), `${id} ${keyword.join(' ')}`);
    }
    assert.equal(tsbpf(['prog', 'dump', 'xlated', 'id', id, 'visual']).stdout, bpftool('prog', 'dump', 'xlated', 'id', id, 'visual'), `${id} visual`);
    assert.equal(tsbpf(['-j', 'prog', 'dump', 'xlated', 'id', id, 'visual']).stdout, bpftool('-j', 'prog', 'dump', 'xlated', 'id', id, 'visual'), `${id} -j visual`);
    const tag = tsbpf(['prog', 'show', 'tag', program.info().tag]);
    assert.ok(withoutPids(tag.stdout).includes(bpftool('prog', 'show', 'id', id)), 'tag selects it');
  }
  // the whole listing: every block bpftool prints for our programs is in ours
  const listing = withoutPids(tsbpf(['prog', 'list']).stdout);
  for (const program of Object.values(object.programs)) assert.ok(listing.includes(bpftool('prog', 'show', 'id', String(program.id))));
});

test('prog dump xlated file writes the bytes bpftool writes; prog pin pins the same program', { skip }, async () => {
  if (typeof built === 'string') return;
  using object = await loadObject(built.path('loader/minimal.bpf.o'));
  const program = Object.values(object.programs)[0]!;
  const ours = join(tmpdir(), `tsbpf-xlated-${process.pid}.bin`);
  const theirs = join(tmpdir(), `bpftool-xlated-${process.pid}.bin`);
  const pin = `/sys/fs/bpf/tsbpf_prog_pin_test_${process.pid}`;
  try {
    assert.equal(tsbpf(['prog', 'dump', 'xlated', 'id', String(program.id), 'file', ours]).status, 0);
    bpftool('prog', 'dump', 'xlated', 'id', String(program.id), 'file', theirs);
    assert.deepEqual(readFileSync(ours), readFileSync(theirs));
    const pinned = tsbpf(['prog', 'pin', 'id', String(program.id), pin]);
    assert.equal(pinned.status, 0, pinned.stderr);
    assert.equal(JSON.parse(bpftool('-j', 'prog', 'show', 'pinned', pin)).id, program.id);
    assert.equal(withoutPids(tsbpf(['prog', 'show', 'pinned', pin]).stdout), bpftool('prog', 'show', 'pinned', pin));
  } finally {
    rmSync(ours, { force: true });
    rmSync(theirs, { force: true });
    rmSync(pin, { force: true });
  }
});

test('prog tracelog prints bpf_printk output of a test run', { skip }, async () => {
  // "hi 42\n" built on the stack, then bpf_trace_printk(fmt, 8, 42)
  const p = new ProgramBuilder()
    .ldImm64(R1, 0x000a3234206968n) // "hi 42\n\0" little-endian
    .store('DW', R10, -8, R1)
    .mov(R1, R10).add(R1, -8)
    .mov(R2, 8)
    .mov(R3, 0)
    .call('trace_printk')
    .mov(R0, 0)
    .exit()
    .assemble();
  using program = Program.load({ type: ProgramType.SocketFilter, instructions: p.instructions, name: 'tracelog_test', license: 'GPL' });
  const child = spawn(process.execPath, [cli, 'prog', 'tracelog'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('hi 42') && Date.now() < deadline) {
      program.testRun({ data: new Uint8Array(64) });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(out, /hi 42/);
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

test('bad input and failure: one line, exit 1 or 2', { skip }, () => {
  const unknown = tsbpf(['prog', 'show', 'id', '4294967295']);
  assert.equal(unknown.status, 1, unknown.stderr);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  assert.match(unknown.stderr, /^tsbpf: prog show: no program has id 4294967295/);
  for (const args of [['prog', 'show', 'id', 'x'], ['prog', 'show', 'frob', '1'], ['prog', 'dump', 'xlated', 'id', '1', 'bogus'], ['prog', 'dump', 'sideways', 'id', '1'], ['prog', 'show', 'tag', 'xyz'], ['prog', 'dump', 'xlated', 'id', '1', 'visual', 'linum'], ['prog', 'dump', 'jited', 'id', '1', 'visual']]) {
    const result = tsbpf(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
  const missingName = tsbpf(['prog', 'dump', 'xlated', 'name', 'no_such_program_here']);
  assert.equal(missingName.status, 1);
  const unprivileged = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all'];
  for (const args of [['prog', 'list'], ['prog', 'show', 'id', '1'], ['prog', 'dump', 'xlated', 'id', '1']]) {
    const result = tsbpf(args, unprivileged);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^tsbpf: .*EPERM/);
  }
});

/** Ours less the `pids` member (bpftool 7.1 here has no pid iterator), at whatever indent it sits. */
const withoutPrettyPids = (text: string) => text.replace(/,\n( +)"pids": \[[\s\S]*?\n\1\]/g, '');

test('-p prints prog, map, btf and link show byte for byte as bpftool -p (json_writer layout)', { skip }, async () => {
  if (typeof built === 'string') return;
  using object = await loadObject(built.path('loader/data_data_bss.bpf.o'));
  using iterator = await loadObject(built.path('loader/prog_iter.bpf.o'), { programs: ['list_tasks'] });
  const links = iterator.attachAll();
  const program = Object.values(object.programs).find((p) => p.info().mapIds.length > 0)!;
  const info = program.info();
  const shows: string[][] = [
    ['prog', 'show', 'id', String(program.id)],
    ...info.mapIds.map((id) => ['map', 'show', 'id', String(id)]),
    ['btf', 'show', 'id', String(info.btfId)],
    ...[...links.values()].map((link) => ['link', 'show', 'id', String(link.info().id)]),
  ];
  assert.ok(shows.length >= 4, shows.map((args) => args.join(' ')).join(', '));
  for (const args of shows) {
    const ours = tsbpf(['-p', ...args]);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(withoutPrettyPids(ours.stdout), bpftool('-p', ...args), args.join(' '));
  }
});
