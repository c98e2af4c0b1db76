/**
 * `tsbpf net attach|detach`, run inside a test network namespace on the namespace's end of a veth: the
 * program stays attached after tsbpf exits, `net list` (ours and bpftool's) shows it in the mode the
 * attach type names, packets reach it, detach removes it; bad words are usage errors (exit 2), an
 * unknown device or a busy one a failure (exit 1), each on one line.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { Fixtures } from '../inspect/fixtures.test-support.js';
import { bpftool, tsbpf } from '../inspect/inspect-cli.test-support.js';
import { ensureBpffs } from '../sys/bpffs.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { bpftoolNet, Counter, packets, sendUdp, vethIntoNamespace } from './net-attach.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;

test('net attach and detach: attached after tsbpf exits, listed in its mode, counted, then gone', { skip }, async () => {
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const veth = vethIntoNamespace(f);
    const inNs = ['ip', 'netns', 'exec', veth.namespace];
    const object = await f.object('netlink_counters');
    const ours = object.programs.xdp_count!;
    const other = object.programs.xdp_count_other!;
    sendUdp(veth, 'host', 1); // ARP settles before anything counts

    for (const [word, mode] of [['xdpgeneric', 'generic'], ['xdpdrv', 'driver'], ['xdp', 'driver']] as const) {
      const attached = tsbpf(['net', 'attach', word, 'id', String(ours.id), 'dev', veth.peer], inNs);
      assert.deepEqual([attached.status, attached.stdout, attached.stderr], [0, '', ''], word);
      assert.deepEqual(bpftoolNet(veth.peer, veth.namespace).xdp, [{ devname: veth.peer, ifindex: veth.peerIndex, mode, id: ours.id }], word);
      const listed = tsbpf(['net', 'list', 'dev', veth.peer], inNs);
      assert.equal(listed.stdout, bpftool(['net', 'list', 'dev', veth.peer], inNs).stdout, 'net list as bpftool prints it');
      assert.match(listed.stdout, new RegExp(`${veth.peer}\\(\\d+\\) ${mode} id ${ours.id}\\n`));
      const start = packets(object, Counter.XdpPrimary);
      sendUdp(veth, 'host', 3);
      assert.equal(packets(object, Counter.XdpPrimary) - start, 3n, `${word}: the datagrams to the namespace reached it`);
      const detachWord = word === 'xdpgeneric' ? 'xdpg' : word; // bpftool takes a prefix
      const detached = tsbpf(['-j', 'net', 'detach', detachWord, 'dev', veth.peer], inNs);
      assert.deepEqual([detached.status, detached.stdout, detached.stderr], [0, 'null\n', ''], `${word}: -j prints null, as bpftool`);
      assert.deepEqual(bpftoolNet(veth.peer, veth.namespace).xdp, [], `${word}: gone`);
    }

    // busy without overwrite: one line naming the program there; with overwrite: replaced. On the host end,
    // in this namespace: `ip netns exec` mounts a sysfs of its own, which hides /sys/fs/bpf and the pin
    ensureBpffs();
    const pin = `/sys/fs/bpf/tsbpf_net_attach_${process.pid}`;
    ours.pin(pin);
    f.defer(() => rmSync(pin, { force: true }));
    const byPin = tsbpf(['net', 'attach', 'xdpdrv', 'pinned', pin, 'dev', veth.host]);
    assert.equal(byPin.status, 0, byPin.stderr);
    const busy = tsbpf(['net', 'attach', 'xdpdrv', 'id', String(other.id), 'dev', veth.host]);
    assert.equal(busy.status, 1, busy.stderr);
    assert.match(busy.stderr, new RegExp(`^tsbpf: net attach: xdp on ${veth.host}: program ${ours.id} \\(xdp_count\\) is already attached .*XDP program already attached\\); pass replace`));
    assert.equal(busy.stderr.trim().split('\n').length, 1);
    const overwritten = tsbpf(['net', 'attach', 'xdpdrv', 'id', String(other.id), 'dev', veth.host, 'overwrite']);
    assert.equal(overwritten.status, 0, overwritten.stderr);
    assert.deepEqual(bpftoolNet(veth.host).xdp.map((entry) => entry.id), [other.id]);
    const start = packets(object, Counter.XdpOther);
    sendUdp(veth, 'namespace', 2);
    assert.equal(packets(object, Counter.XdpOther) - start, 2n, 'the overwriting program runs');
    assert.equal(tsbpf(['net', 'detach', 'xdpdrv', 'dev', veth.host]).status, 0);
    assert.deepEqual(bpftoolNet(veth.host).xdp, []);
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('net attach and detach: bad words exit 2, an unknown device or program exits 1, one line each', { skip }, () => {
  const cases: [string[], number, RegExp][] = [
    [['net', 'attach', 'xdpfoo', 'id', '1', 'dev', 'lo'], 2, /^tsbpf: net attach: invalid net attach\/detach type: xdpfoo; use one of xdp, xdpgeneric, xdpdrv, xdpoffload\n$/],
    [['net', 'attach', 'tcx_ingress', 'id', '1', 'dev', 'lo'], 2, /invalid net attach\/detach type: tcx_ingress/],
    [['net', 'attach', 'xdp', 'idx', '1', 'dev', 'lo'], 2, /^tsbpf: net attach: expected 'id', 'pinned', 'tag' or 'name', got: 'idx'/],
    [['net', 'attach', 'xdp', 'id', '1', 'device', 'lo'], 2, /^tsbpf: net attach: expected 'dev', got: 'device'/],
    [['net', 'attach', 'xdp', 'id', '1', 'dev', 'lo', 'force'], 2, /^tsbpf: net attach: expected 'overwrite', got: 'force'/],
    [['net', 'attach'], 2, /invalid net attach\/detach type: \(none\)/],
    [['net', 'detach', 'xdp'], 2, /^tsbpf: net detach: expected 'dev', got: ''/],
    [['net', 'detach', 'xdp', 'dev', 'lo', 'extra'], 2, /^tsbpf: net detach: unexpected 'extra' after dev lo/],
    [['net', 'detach', 'xdp', 'dev', 'tsbpf-nodev0'], 1, /^tsbpf: net detach: no network device named tsbpf-nodev0 in this network namespace; /],
    [['net', 'attach', 'xdp', 'id', '4294967295', 'dev', 'lo'], 1, /^tsbpf: net attach: no program has id 4294967295; /],
  ];
  for (const [args, status, message] of cases) {
    const result = tsbpf(args);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(result.stdout, '');
  }
});

test('net attach to an unknown device exits 1 on one line and leaves nothing attached', { skip }, async () => {
  const f = new Fixtures();
  try {
    const object = await f.object('netlink_counters');
    const result = tsbpf(['net', 'attach', 'xdp', 'id', String(object.programs.xdp_count!.id), 'dev', 'tsbpf-nodev0']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^tsbpf: net attach: no network device named tsbpf-nodev0 in this network namespace; list the devices/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  } finally {
    f.close();
  }
});
