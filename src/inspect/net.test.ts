/**
 * `tsbpf net list` against bpftool 7.1, both run inside a test network namespace holding: a veth pair,
 * XDP in driver mode on one end and generic mode on the other (attached by ip, through libbpf), tc
 * filters (direct-action on clsact ingress; under an htb qdisc and its class), and a flow dissector
 * link. The tc action module is missing here, so filters with BPF actions are checked through the
 * formatter only. bpftool 7.1 has no tcx section; the library's tcx list is checked on its own.
 * One deviation, on purpose: bpftool 7.1 writes the flow dissector in JSON as a bare `"id": N` inside
 * an array, which is not JSON; tsbpf writes `{"id": N}` there, and the test compares with that fixed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { abi } from '../sys/index.js';
import { Fixtures } from './fixtures.test-support.js';
import { canonicalJson, sideBySide, tsbpf, UNPRIVILEGED } from './inspect-cli.test-support.js';
import { listNetAttachments } from './net.js';
import { netJson, netText } from './net-text.js';

/** bpftool 7.1's `"flow_dissector":["id":N]` made JSON the way tsbpf writes it. */
function fixFlowDissector(text: string): string {
  return text.replace(/("flow_dissector":\s*\[)(\s*"id":\s*\d+)(\s*\])/, '$1{$2}$3');
}

test('net list and net list dev print what bpftool 7.1 prints inside a test namespace', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const ns = f.netns();
    const inNs = ['ip', 'netns', 'exec', ns.name];
    const run = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns.name, ...args], { stdio: 'pipe' });
    const tc = objects.path('loader/prog_tc.bpf.o');
    run('ip', 'link', 'add', 'name', 'tsbva', 'type', 'veth', 'peer', 'name', 'tsbvb');
    run('ip', 'link', 'set', 'tsbva', 'up');
    run('ip', 'link', 'set', 'tsbvb', 'up');
    run('tc', 'qdisc', 'add', 'dev', 'tsbva', 'clsact');
    run('tc', 'filter', 'add', 'dev', 'tsbva', 'ingress', 'bpf', 'da', 'obj', tc, 'sec', 'tc');
    run('tc', 'filter', 'add', 'dev', 'tsbva', 'egress', 'bpf', 'da', 'obj', tc, 'sec', 'classifier');
    run('ip', 'link', 'set', 'dev', 'tsbva', 'xdp', 'obj', objects.path('loader/prog_xdp.bpf.o'), 'sec', 'xdp');
    run('ip', 'link', 'set', 'dev', 'tsbvb', 'xdpgeneric', 'obj', objects.path('loader/prog_xdp.bpf.o'), 'sec', 'xdp');
    run('tc', 'qdisc', 'add', 'dev', 'tsbvb', 'root', 'handle', '1:', 'htb');
    run('tc', 'class', 'add', 'dev', 'tsbvb', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1mbit');
    run('tc', 'filter', 'add', 'dev', 'tsbvb', 'parent', '1:', 'bpf', 'da', 'obj', tc, 'sec', 'tc');
    run('tc', 'filter', 'add', 'dev', 'tsbvb', 'parent', '1:1', 'bpf', 'da', 'obj', tc, 'sec', 'classifier');
    f.names.push('mark_packets', 'drop_small', 'drop_ipv6');
    const dissector = Object.values((await f.object('prog_flow_dissector')).programs)[0]!;
    f.link(dissector.fd.value, ns.fd, abi.AttachTypeId.FLOW_DISSECTOR);
    for (const args of [['net', 'list'], ['net', 'show', 'dev', 'tsbvb'], ['net', 'list', 'dev', 'lo']]) {
      for (const json of ['', '-j', '-p']) {
        const full = json ? [json, ...args] : args;
        const { ours, theirs } = sideBySide(full, inNs, 4, fixFlowDissector);
        assert.equal(ours.status, 0, ours.stderr);
        if (json) assert.equal(canonicalJson(ours.stdout), canonicalJson(theirs.stdout), full.join(' '));
        else assert.equal(ours.stdout, theirs.stdout, full.join(' '));
      }
    }
    const listed = tsbpf(['net', 'list'], inNs).stdout;
    assert.match(listed, /tsbva\(\d+\) driver id \d+\n/);
    assert.match(listed, /tsbvb\(\d+\) htb prog_tc\.bpf\.o:\[classifier\] id \d+\n/);
    assert.match(listed, new RegExp(`flow_dissector:\\nid ${dissector.id}\\n$`));
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('net attachments beyond bpftool 7.1: tcx programs per device and direction', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const programs = Object.values((await f.object('prog_tcx')).programs);
    const veth = f.veth();
    f.link(programs[0]!.fd.value, veth.ifindex, abi.AttachTypeId.TCX_INGRESS);
    f.link(programs[1]!.fd.value, veth.ifindex, abi.AttachTypeId.TCX_EGRESS);
    const found = listNetAttachments({ device: veth.name });
    assert.deepEqual(found.tcx, [
      { devname: veth.name, ifindex: veth.ifindex, direction: 'ingress', programIds: [programs[0]!.id] },
      { devname: veth.name, ifindex: veth.ifindex, direction: 'egress', programIds: [programs[1]!.id] },
    ]);
    assert.deepEqual(found.tc, []);
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('net formats filters with BPF actions and XDP in several modes as bpftool\'s source does', () => {
  const attachments = {
    xdp: [{ devname: 'eth9', ifindex: 9, multi: true, programs: [{ mode: 'driver' as const, id: 4 }, { mode: 'offload' as const, id: 5 }] }],
    tc: [{ devname: 'eth9', ifindex: 9, kind: 'clsact/egress', name: 'cls', id: 6, actions: [{ name: 'act1', id: 7 }, { id: 8 }] }],
    flowDissector: undefined,
    tcx: [],
  };
  assert.equal(netText(attachments), 'xdp:\neth9(9) driver id 4 offload id 5\n\ntc:\neth9(9) clsact/egress cls id 6 act [{act1 id 7}{ id 8}] \n\nflow_dissector:\n\n');
  assert.deepEqual(netJson(attachments), [{
    xdp: [{ devname: 'eth9', ifindex: 9, multi_attachments: [{ mode: 'driver', id: 4 }, { mode: 'offload', id: 5 }] }],
    tc: [{ devname: 'eth9', ifindex: 9, kind: 'clsact/egress', name: 'cls', id: 6, act: [{ name: 'act1', id: 7 }, { id: 8 }] }],
    flow_dissector: [],
  }]);
});

test('net list: an unknown device, bad words and unprivileged users get one line', () => {
  const cases: [string[], string[], number, RegExp][] = [
    [['net', 'list', 'dev', 'tsbpf-nodev'], [], 1, /^tsbpf: net show: invalid devname tsbpf-nodev; /],
    [['net', 'list', 'device', 'lo'], [], 2, /^tsbpf: net show: expected 'dev NAME', got "device lo"; /],
    [['net', 'list'], UNPRIVILEGED, 1, /^tsbpf: net show: BPF_PROG_QUERY failed: EPERM/],
  ];
  for (const [args, prefix, status, message] of cases) {
    const result = tsbpf(args, prefix);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
});
