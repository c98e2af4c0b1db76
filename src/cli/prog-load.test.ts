/**
 * `tsbpf prog load|loadall` against `bpftool prog load|loadall`: the same pins (programs by name, maps by
 * libbpf's sanitised names), the same programs behind them, and bpftool's failure modes as one-line errors.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBpffs } from '../sys/bpffs.js';
import { corpus } from '../test-support/corpus.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { openObject } from '../loader/index.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const built = corpus();
const skip = typeof built === 'string' ? built : false;
const object = (name: string) => (typeof built === 'string' ? '' : built.path(`loader/${name}.bpf.o`));

function tsbpf(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Pinned { name: string; type: string }

function pinnedPrograms(directory: string): Record<string, Pinned> {
  const result: Record<string, Pinned> = {};
  for (const file of readdirSync(directory).sort()) {
    const info = bpftoolJson<{ name: string; type: string }>('prog', 'show', 'pinned', `${directory}/${file}`);
    result[file] = { name: info.name, type: info.type };
  }
  return result;
}

test('prog loadall pins what bpftool prog loadall pins, maps included', { skip }, async () => {
  ensureBpffs();
  const before = kernelSnapshot();
  const dirs = ['/sys/fs/bpf/tsbpf_cli_progs', '/sys/fs/bpf/tsbpf_cli_maps', '/sys/fs/bpf/bpftool_cli_progs', '/sys/fs/bpf/bpftool_cli_maps'];
  try {
    for (const name of ['code_subprogs', 'data_custom_sections', 'map_in_map']) {
      const ours = tsbpf(['prog', 'loadall', object(name), dirs[0]!, 'pinmaps', dirs[1]!]);
      assert.equal(ours.status, 0, ours.stderr);
      execFileSync('bpftool', ['prog', 'loadall', object(name), dirs[2]!, 'pinmaps', dirs[3]!]);
      assert.deepEqual(pinnedPrograms(dirs[0]!), pinnedPrograms(dirs[2]!), `${name}: programs`);
      const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
      assert.deepEqual(listing(dirs[1]!), listing(dirs[3]!), `${name}: map pin names`);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
    const single = tsbpf(['prog', 'load', object('code_sections'), '/sys/fs/bpf/tsbpf_cli_one']);
    assert.equal(single.status, 0, single.stderr);
    execFileSync('bpftool', ['prog', 'load', object('code_sections'), '/sys/fs/bpf/bpftool_cli_one']);
    assert.deepEqual(
      bpftoolJson<{ name: string }>('prog', 'show', 'pinned', '/sys/fs/bpf/tsbpf_cli_one').name,
      bpftoolJson<{ name: string }>('prog', 'show', 'pinned', '/sys/fs/bpf/bpftool_cli_one').name,
      'prog load pins the first program',
    );
  } finally {
    for (const dir of [...dirs, '/sys/fs/bpf/tsbpf_cli_one', '/sys/fs/bpf/bpftool_cli_one']) rmSync(dir, { recursive: true, force: true });
  }
  const names = (await Promise.all(['code_subprogs', 'data_custom_sections', 'map_in_map', 'code_sections'].map((n) => openObject(object(n))))).flatMap(objectNames);
  assert.deepEqual(await leftoverObjects(before, names), [], 'removing the pins frees everything');
});

test('prog loadall: map replacement by name, type override, and failures as one line', { skip }, async () => {
  ensureBpffs();
  const dir = '/sys/fs/bpf/tsbpf_cli_replace';
  try {
    // reuse the hash map of one load in a second load of the same object
    assert.equal(tsbpf(['prog', 'loadall', object('map_hash'), `${dir}/a`, 'pinmaps', `${dir}/maps`]).status, 0);
    const mapPin = readdirSync(`${dir}/maps`).find((name) => !name.includes('_'))!;
    const replaced = tsbpf(['prog', 'loadall', object('map_hash'), `${dir}/b`, 'map', 'name', mapPin, `${dir}/maps/${mapPin}`]);
    assert.equal(replaced.status, 0, replaced.stderr);
    const mapId = bpftoolJson<{ id: number }>('map', 'show', 'pinned', `${dir}/maps/${mapPin}`).id;
    const programB = readdirSync(`${dir}/b`)[0]!;
    assert.ok(bpftoolJson<{ map_ids: number[] }>('prog', 'show', 'pinned', `${dir}/b/${programB}`).map_ids.includes(mapId), 'the second load uses the pinned map');

    const typed = tsbpf(['prog', 'loadall', object('minimal'), `${dir}/typed`, 'type', 'socket']);
    assert.equal(typed.status, 0, typed.stderr);
    execFileSync('bpftool', ['prog', 'loadall', object('minimal'), `${dir}/typed_bpftool`, 'type', 'socket']);
    assert.deepEqual(pinnedPrograms(`${dir}/typed`), pinnedPrograms(`${dir}/typed_bpftool`), 'type keyword');
    const badType = tsbpf(['prog', 'loadall', object('minimal'), `${dir}/bad`, 'type', 'nonsense']);
    assert.equal(badType.status, 2, badType.stderr);
    const usage = tsbpf(['prog', 'loadall', object('map_hash'), `${dir}/c`, 'map', 'idx', 'x', '/nope']);
    assert.equal(usage.status, 2, usage.stderr);
    const refused = tsbpf(['prog', 'loadall', object('reject_null_deref'), `${dir}/d`]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /reject_null_deref\.bpf\.c:\d+/, 'the C line of the refusal');
    assert.match(refused.stderr.trim().split('\n').at(-1)!, /^tsbpf: prog loadall: /);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    const missing = tsbpf(['prog', 'loadall', '/nonexistent.bpf.o', `${dir}/e`]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
