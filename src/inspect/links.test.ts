/**
 * `tsbpf link` and `tsbpf btf list` against bpftool 7.1 on links this test makes: raw tracepoint
 * (raw_tp by BPF_RAW_TRACEPOINT_OPEN, tp_btf by BPF_LINK_CREATE), iterators (task, bpf_map), cgroup,
 * netns (flow dissector in a test namespace), xdp and tcx on a veth, perf_event on a tracepoint, and
 * netfilter. bpftool 7.1 prints only the head of xdp, tcx, perf_event and netfilter links (`type 11`
 * for tcx and `type 10` for netfilter, which libbpf 1.1 has no names for), though this kernel reports
 * their ifindex, attach type, hook and priority: tsbpf prints what bpftool prints, and the test checks
 * the kernel's extra fields through the library instead. Tracing links (fentry/fexit/lsm) cannot be
 * made on this kernel; their `prog_type`/`attach_type` lines follow bpftool's source untested here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { BpfError, Errno } from '../errors.js';
import { abi, bpf, closeRawFd, unpin } from '../sys/index.js';
import { Fixtures } from './fixtures.test-support.js';
import { bpftool, canonicalJson, sideBySide, tsbpf, UNPRIVILEGED } from './inspect-cli.test-support.js';
import { linkDetails, linkDetailsByFd, listLinks } from './links.js';
import { listBtf } from './btf.js';

const A = abi.AttachTypeId;

interface Made { raw: number; tpBtf: number; iter: number[]; cgroup: number; netns: number; xdp: number; tcx: number; netfilter: number; ifindex: number }

async function makeLinks(f: Fixtures): Promise<Made> {
  const first = async (name: string) => Object.values((await f.object(name)).programs)[0]!.fd.value;
  const tpBtf = f.link(await first('prog_tp_btf'), 0, A.TRACE_RAW_TP);
  const raw = f.fd(bpf.rawTracepointOpen(await first('prog_raw_tp'), 'sched_wakeup'));
  const iterObject = await f.object('prog_iter');
  const iter = Object.values(iterObject.programs).map((program) => f.link(program.fd.value, 0, A.TRACE_ITER));
  const cgroup = f.link(await first('prog_cgroup'), f.cgroup().fd, A.CGROUP_INET_INGRESS);
  const netns = f.link(await first('prog_flow_dissector'), f.netns().fd, A.FLOW_DISSECTOR);
  const veth = f.veth();
  const xdp = f.link(await first('prog_xdp'), veth.ifindex, A.XDP);
  const tcx = f.link(await first('prog_tcx'), veth.ifindex, A.TCX_INGRESS);
  const tracepoint = Object.values((await f.object('prog_tracepoint')).programs)[0]!.fd.value;
  f.link(tracepoint, f.tracepointEvent('sched', 'sched_process_fork'), A.PERF_EVENT);
  // NF_INET_PRE_ROUTING (1) for NFPROTO_IPV4 (2), an early priority
  const netfilter = f.fd(bpf.linkCreate({ programFd: await first('prog_netfilter'), targetFd: 0, attachType: A.NETFILTER, netfilter: { protocolFamily: 2, hook: 1, priority: -128 } }));
  return { raw, tpBtf, iter, cgroup, netns, xdp, tcx, netfilter, ifindex: veth.ifindex };
}

/** A link fd's id. */
function idOf(fd: number): number {
  return linkDetailsByFd(fd).id;
}

test('link list/show and btf list/show print what bpftool 7.1 prints, text and JSON', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const made = await makeLinks(f);
    for (const args of [['link', 'list'], ['-j', 'link', 'list'], ['-p', 'link', 'show'], ['btf', 'list'], ['-j', 'btf', 'show'], ['btf', 'show', 'id', '1'], ['-p', 'btf', 'show', 'id', '1']]) {
      const { ours, theirs } = sideBySide(args);
      assert.equal(ours.status, 0, ours.stderr);
      if (args[0] === '-j' || args[0] === '-p') assert.equal(canonicalJson(ours.stdout), canonicalJson(theirs.stdout), args.join(' '));
      else assert.equal(ours.stdout, theirs.stdout, args.join(' '));
    }
    // each link by id, and a BTF object a program of ours uses
    for (const link of listLinks().filter((entry) => !before.link.has(entry.id))) {
      for (const json of [false, true]) {
        const args = [...(json ? ['-j'] : []), 'link', 'show', 'id', String(link.id)];
        const { ours, theirs } = sideBySide(args);
        assert.equal(json ? canonicalJson(ours.stdout) : ours.stdout, json ? canonicalJson(theirs.stdout) : theirs.stdout, args.join(' '));
      }
    }
    const ownBtf = listBtf().find((entry) => entry.programIds.length > 0 && !entry.kernelBtf);
    assert.ok(ownBtf, 'a program BTF object is listed');
    for (const args of [['btf', 'show', 'id', String(ownBtf.id)], ['-j', 'btf', 'show', 'id', String(ownBtf.id)]]) {
      const { ours, theirs } = sideBySide(args);
      assert.equal(ours.stdout, theirs.stdout, args.join(' '));
    }
    // owners: this process holds every link it made (bpftool 7.1 here prints none; see withoutOwners)
    for (const fd of [made.raw, made.xdp]) {
      const id = idOf(fd);
      const { oursWithOwners } = sideBySide(['link', 'show', 'id', String(id)]);
      assert.match(oursWithOwners.stdout, new RegExp(`\\n\\tpids ([^\\n]*, )?node\\(${process.pid}\\)`), oursWithOwners.stdout);
      const json = JSON.parse(tsbpf(['-j', 'link', 'show', 'id', String(id)]).stdout) as { pids?: { pid: number; comm: string }[] };
      assert.ok(json.pids?.some((owner) => owner.pid === process.pid && owner.comm === 'node'), JSON.stringify(json));
    }
    // what the kernel reports beyond bpftool 7.1: the library has it
    const xdp = linkDetails(idOf(made.xdp));
    assert.deepEqual(xdp.details, { kind: 'xdp', ifindex: made.ifindex });
    const tcx = linkDetails(idOf(made.tcx));
    assert.deepEqual(tcx.details, { kind: 'tcx', ifindex: made.ifindex, attachType: A.TCX_INGRESS });
    assert.deepEqual(linkDetails(idOf(made.raw)).details, { kind: 'raw_tracepoint', tracepoint: 'sched_wakeup' });
    assert.deepEqual(linkDetails(idOf(made.netfilter)).details, { kind: 'netfilter', protocolFamily: 2, hook: 1, priority: -128, flags: 0 });
    assert.deepEqual(linkDetails(idOf(made.iter[0]!)).details.kind, 'iter');
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('link pin and detach: the pin shows as bpftool shows it, detach leaves the link with no hook', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  const path = `/sys/fs/bpf/tsbpf-test-link-${process.pid}`;
  try {
    const first = async (name: string) => Object.values((await f.object(name)).programs)[0]!.fd.value;
    const id = idOf(f.link(await first('prog_cgroup'), f.cgroup().fd, A.CGROUP_INET_INGRESS));
    const pin = tsbpf(['-j', 'link', 'pin', 'id', String(id), path]);
    assert.deepEqual([pin.status, pin.stdout, pin.stderr], [0, 'null\n', '']);
    f.defer(() => { if (existsSync(path)) unpin(path); });
    for (const args of [['link', 'show', 'pinned', path], ['-j', 'link', 'show', 'pinned', path]]) {
      const { ours, theirs } = sideBySide(args);
      assert.equal(args[0] === '-j' ? canonicalJson(ours.stdout) : ours.stdout, args[0] === '-j' ? canonicalJson(theirs.stdout) : theirs.stdout, args.join(' '));
    }
    const detach = tsbpf(['link', 'detach', 'pinned', path]);
    assert.deepEqual([detach.status, detach.stdout, detach.stderr], [0, '', '']);
    const detached = linkDetails(id);
    assert.deepEqual(detached.details, { kind: 'cgroup', cgroupId: 0n, attachType: A.CGROUP_INET_INGRESS });
    const { ours, theirs } = sideBySide(['link', 'show', 'id', String(id)]);
    assert.equal(ours.stdout, theirs.stdout);
    // a pinned program is not a link
    const programPath = `${path}-prog`;
    const program = Object.values((await f.object('minimal')).programs)[0]!;
    program.pin(programPath);
    f.defer(() => unpin(programPath));
    const wrong = tsbpf(['link', 'show', 'pinned', programPath]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^tsbpf: link show: .* is not a pinned link \(it is bpf-prog\); /);
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('link and btf commands: unknown ids, malformed arguments and unprivileged users get one line', () => {
  const cases: [string[], number, RegExp][] = [
    [['link', 'show', 'id', '4000000000'], 1, /^tsbpf: link show: BPF_LINK_GET_FD_BY_ID failed: ENOENT .*; no link has id 4000000000\n$/],
    [['btf', 'show', 'id', '4000000000'], 1, /^tsbpf: btf show: BPF_BTF_GET_FD_BY_ID failed: ENOENT/],
    [['link', 'show', 'id', 'twelve'], 2, /^tsbpf: link show: can't parse "twelve" as a link id; /],
    [['link', 'show', 'name', 'x'], 2, /^tsbpf: link show: expected 'id' or 'pinned', got "name"; /],
    [['link', 'show', 'id'], 2, /^tsbpf: link show: expected 'id N' or 'pinned PATH'/],
    [['btf', 'show', 'pinned', '/sys/fs/bpf/x'], 2, /^tsbpf: btf show: expected 'id', got "pinned"/],
    [['link', 'pin', 'id', '1'], 2, /^tsbpf: link pin: expected 'id N PATH'/],
    [['link', 'detach', 'pinned', '/sys/fs/bpf/tsbpf-no-such-pin'], 1, /^tsbpf: link detach: BPF_OBJ_GET failed: ENOENT/],
  ];
  for (const [args, status, message] of cases) {
    const result = tsbpf(args);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
  for (const args of [['link', 'list'], ['btf', 'list']]) {
    const result = tsbpf(args, UNPRIVILEGED);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^tsbpf: \w+ show: BPF_\w+ failed: EPERM/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.notEqual(bpftool(args, UNPRIVILEGED).status, 0, 'bpftool refuses too');
  }
});

test('a link that goes away is an ENOENT for linkDetails and is left out of listLinks', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const program = Object.values((await f.object('prog_iter')).programs)[0]!;
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: A.TRACE_ITER });
    const id = idOf(fd);
    assert.ok(listLinks().some((link) => link.id === id));
    closeRawFd(fd);
    const deadline = Date.now() + 3000;
    while (listLinks().some((link) => link.id === id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(!listLinks().some((link) => link.id === id));
    assert.throws(() => linkDetails(id), (error: unknown) => error instanceof BpfError && error.errno === Errno.ENOENT);
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});
