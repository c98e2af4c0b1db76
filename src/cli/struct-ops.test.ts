/**
 * `tsbpf struct_ops` against bpftool's (7.1, libbpf 1.1): register our congestion control
 * (corpus/loader/struct_ops_cc.bpf.o), show/list it the way bpftool does (text byte for byte, JSON),
 * unregister it, see it gone. The command bodies are called directly, as the CLI calls them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BpfError, TsbpfError } from '../errors.js';
import { haveMapType } from '../features/map-types.js';
import { MapType } from '../maps/map-types.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { openFdCount } from '../test-support/kernel.js';
import { UsageError } from './cli-errors.js';
import { structOpsRegister, structOpsShowOutput, structOpsUnregister } from './struct-ops-commands.js';

const built = corpus();
const probe = haveMapType(MapType.StructOps);
const skip = typeof built === 'string' ? built : !hasTool('bpftool') ? 'bpftool is not installed' : !probe.supported ? probe.reason : false;
const text = { json: false, pretty: false, debug: false };
const json = { json: true, pretty: false, debug: false };
const available = () => readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
const bpftool = (...args: string[]) => execFileSync('bpftool', args, { encoding: 'utf8' });

test('struct_ops register / show / unregister, as bpftool shows them', { skip }, async () => {
  const fds = openFdCount();
  const path = (built as Exclude<typeof built, string>).path('loader/struct_ops_cc.bpf.o');
  const registered = await structOpsRegister([path], text);
  const match = /^Registered tcp_congestion_ops tsbpf_cc id (\d+)\n$/.exec(registered);
  assert.ok(match, registered);
  const id = match[1]!;
  try {
    assert.equal(openFdCount(), fds, 'the registration outlives every fd tsbpf held');
    assert.ok(available().includes('tsbpf_cc'));
    assert.equal(structOpsShowOutput(['id', id], text), bpftool('struct_ops', 'show', 'id', id));
    assert.equal(structOpsShowOutput(['id', id], json), bpftool('-j', 'struct_ops', 'show', 'id', id));
    assert.equal(structOpsShowOutput(['name', 'tsbpf_cc'], json), bpftool('-j', 'struct_ops', 'show', 'name', 'tsbpf_cc'));
    // the whole list, read by both within a moment: others' struct_ops maps come and go rarely
    assert.equal(structOpsShowOutput([], text), bpftool('struct_ops', 'list'));
    assert.throws(() => structOpsShowOutput(['name', 'tsbpf_no_such_ops'], text), (error: unknown) => error instanceof TsbpfError && /no struct_ops found for tsbpf_no_such_ops/.test(error.message));
    assert.throws(() => structOpsShowOutput(['pinned', '/x'], text), UsageError);
    assert.equal(structOpsUnregister(['id', id], text), `Unregistered tcp_congestion_ops tsbpf_cc id ${id}\n`);
    assert.ok(!available().includes('tsbpf_cc'));
    assert.throws(() => structOpsUnregister(['id', id], text), BpfError);
  } finally {
    spawnSync('bpftool', ['struct_ops', 'unregister', 'id', id], { stdio: 'ignore' });
  }
});
