/**
 * `tsbpf cgroup show|tree` against bpftool 7.1 on a test cgroup hierarchy: a parent with a cgroup link
 * (ingress) and a legacy multi attachment (egress), a child with a legacy override attachment
 * (sock_create) and a grandchild with nothing of its own, with and without `effective`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, openSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { abi, bpf } from '../sys/index.js';
import { Fixtures } from './fixtures.test-support.js';
import { canonicalJson, sideBySide, tsbpf, UNPRIVILEGED } from './inspect-cli.test-support.js';
import { cgroupTree } from './cgroups.js';

const A = abi.AttachTypeId;
const F = abi.AttachFlags;

test('cgroup show and tree print what bpftool 7.1 prints, text and JSON, effective or not', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const programs = (await f.object('prog_cgroup')).programs;
    const parent = f.cgroup();
    const child = join(parent.path, 'child');
    mkdirSync(child);
    f.defer(() => rmdirSync(child));
    const grandchild = join(child, 'grandchild');
    mkdirSync(grandchild);
    f.defer(() => rmdirSync(grandchild));
    const childFd = f.fd(openSync(child, 'r'));
    f.link(programs.allow_in!.fd.value, parent.fd, A.CGROUP_INET_INGRESS);
    bpf.progAttach({ targetFd: parent.fd, programFd: programs.allow_out!.fd.value, attachType: A.CGROUP_INET_EGRESS, flags: F.ALLOW_MULTI });
    f.defer(() => bpf.progDetach(parent.fd, programs.allow_out!.fd.value, A.CGROUP_INET_EGRESS));
    bpf.progAttach({ targetFd: childFd, programFd: programs.no_raw_sockets!.fd.value, attachType: A.CGROUP_INET_SOCK_CREATE, flags: F.ALLOW_OVERRIDE });
    f.defer(() => bpf.progDetach(childFd, programs.no_raw_sockets!.fd.value, A.CGROUP_INET_SOCK_CREATE));
    const tree = cgroupTree(parent.path);
    assert.deepEqual(tree.map((entry) => [entry.path, entry.level, entry.programs.map((program) => program.name)]), [
      [parent.path, 0, ['allow_in', 'allow_out']],
      [child, 1, ['no_raw_sockets']],
    ]);
    const commands = [
      ['cgroup', 'tree', parent.path], ['cgroup', 'tree', parent.path, 'effective'], ['cgroup', 'tree', `${parent.path}/`, 'eff'],
      ['cgroup', 'show', parent.path], ['cgroup', 'list', child, 'effective'], ['cgroup', 'show', grandchild], ['cgroup', 'show', grandchild, 'effective'],
      ['cgroup', 'tree'],
    ];
    for (const args of commands) {
      // text and -p byte for byte (-p is bpftool's json_writer layout), -j as the same JSON
      for (const format of ['', '-j', '-p']) {
        const full = format ? [format, ...args] : args;
        // cgroup output has no pids to strip: -p is compared as tsbpf printed it, not re-serialized
        const { ours: stripped, theirs, oursWithOwners } = sideBySide(full);
        const ours = format === '-p' ? oursWithOwners : stripped;
        assert.equal(ours.status, 0, ours.stderr);
        if (format === '-j') assert.equal(canonicalJson(ours.stdout), canonicalJson(theirs.stdout), full.join(' '));
        else assert.equal(ours.stdout, theirs.stdout, full.join(' '));
      }
    }
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('cgroup commands: a missing cgroup, bad words and unprivileged users get one line', () => {
  const cases: [string[], number, RegExp][] = [
    [['cgroup', 'show', '/sys/fs/cgroup/unified/tsbpf-no-such-cgroup'], 1, /^tsbpf: cgroup show: can't open cgroup \/sys\/fs\/cgroup\/unified\/tsbpf-no-such-cgroup: ENOENT; /],
    [['cgroup', 'show', '/sys/fs/cgroup/unified', 'effective', 'effective'], 2, /^tsbpf: cgroup show: duplicated argument: effective; /],
    [['cgroup', 'tree', '/sys/fs/cgroup/unified', 'recursive'], 2, /^tsbpf: cgroup tree: expected no more arguments, 'effective', got: "recursive"; /],
    [['cgroup', 'tree', '/sys/fs/cgroup/unified/tsbpf-no-such-cgroup'], 1, /^tsbpf: cgroup tree: can't iterate over .*: ENOENT; /],
    [['cgroup', 'show'], 2, /^tsbpf: missing required argument 'cgroup'/],
  ];
  for (const [args, status, message] of cases) {
    const result = tsbpf(args);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  const unprivileged = tsbpf(['cgroup', 'show', '/sys/fs/cgroup/unified'], UNPRIVILEGED);
  assert.equal(unprivileged.status, 1, unprivileged.stderr);
  assert.match(unprivileged.stderr, /^tsbpf: cgroup show: can't query bpf programs attached to \/sys\/fs\/cgroup\/unified: BPF_PROG_QUERY failed: EPERM/);
  assert.equal(unprivileged.stderr.trim().split('\n').length, 1);
});

