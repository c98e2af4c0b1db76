/**
 * tc filters attached over netlink (clsact + direct-action cls_bpf) on a veth whose peer is in a network
 * namespace of the test's own: ingress counts datagrams from the namespace, egress the ones sent to it;
 * bpftool lists the filters; close() deletes exactly ours, leaves a foreign filter (and then the qdisc)
 * alone, and removes the clsact qdisc it created once it is empty.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { bpftoolNet, Counter, packets, sendUdp, withVeth } from '../cli/net-attach.test-support.js';
import { AlreadyAttachedError, NetlinkError } from '../sys/netlink.js';
import { corpus } from '../test-support/corpus.js';
import { attachTcLegacy } from './tc-netlink.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;

/** The qdisc kinds of `device`, by tc itself. */
function qdiscKinds(device: string): string[] {
  return (JSON.parse(execFileSync('tc', ['-j', 'qdisc', 'show', 'dev', device], { encoding: 'utf8' })) as { kind: string }[]).map((qdisc) => qdisc.kind);
}

test('netlink tc on ingress and egress: bpftool lists both, packets count until close(), the clsact qdisc we made goes', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const ingressProgram = object.programs.tc_ingress!;
    const egressProgram = object.programs.tc_egress!;
    assert.ok(!qdiscKinds(veth.host).includes('clsact'));
    const ingress = attachTcLegacy(ingressProgram, veth.host, { direction: 'ingress' });
    const egress = attachTcLegacy(egressProgram, veth.hostIndex, { direction: 'egress', priority: 3 });
    try {
      assert.equal(ingress.createdQdisc, true);
      assert.equal(egress.createdQdisc, false, 'the second one found it');
      assert.ok(ingress.priority > 0 && ingress.handle > 0, 'the kernel\'s choice, read from the echo');
      assert.equal(egress.priority, 3);
      assert.ok(qdiscKinds(veth.host).includes('clsact'));
      assert.deepEqual(bpftoolNet(veth.host).tc, [
        { devname: veth.host, ifindex: veth.hostIndex, kind: 'clsact/ingress', name: `tc_ingress:[${ingressProgram.id}]`, id: ingressProgram.id },
        { devname: veth.host, ifindex: veth.hostIndex, kind: 'clsact/egress', name: `tc_egress:[${egressProgram.id}]`, id: egressProgram.id },
      ]);
      assert.deepEqual(ingress.info(), {
        ifindex: veth.hostIndex, interfaceName: veth.host, direction: 'ingress', priority: ingress.priority, handle: ingress.handle,
        programId: ingressProgram.id, name: `tc_ingress:[${ingressProgram.id}]`, ours: true,
      });
      const [inStart, outStart] = [packets(object, Counter.TcIngress), packets(object, Counter.TcEgress)];
      sendUdp(veth, 'namespace', 5);
      sendUdp(veth, 'host', 4);
      assert.equal(packets(object, Counter.TcIngress) - inStart, 5n, 'ingress saw the datagrams from the namespace');
      assert.equal(packets(object, Counter.TcEgress) - outStart, 4n, 'egress saw the datagrams to it');
    } finally {
      ingress.close();
      assert.ok(qdiscKinds(veth.host).includes('clsact'), 'kept while our egress filter is on it');
      egress.close();
    }
    assert.deepEqual(bpftoolNet(veth.host).tc, []);
    assert.ok(!qdiscKinds(veth.host).includes('clsact'), 'the qdisc we created is gone with our last filter');
    const [inEnd, outEnd] = [packets(object, Counter.TcIngress), packets(object, Counter.TcEgress)];
    sendUdp(veth, 'namespace', 3);
    sendUdp(veth, 'host', 3);
    assert.deepEqual([packets(object, Counter.TcIngress), packets(object, Counter.TcEgress)], [inEnd, outEnd], 'nothing counted after close()');
  });
});

test('netlink tc: close() deletes our filter only; a foreign filter and its qdisc stay', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const program = object.programs.tc_ingress!;
    const ours = attachTcLegacy(program, veth.host, { direction: 'ingress', priority: 10 });
    const tcObject = typeof built === 'string' ? '' : built.path('loader/prog_tc.bpf.o');
    execFileSync('tc', ['filter', 'add', 'dev', veth.host, 'ingress', 'prio', '20', 'bpf', 'da', 'obj', tcObject, 'sec', 'tc']);
    f.names.push('mark_packets');
    assert.equal(bpftoolNet(veth.host).tc.length, 2);
    ours.close();
    const left = bpftoolNet(veth.host).tc;
    assert.equal(left.length, 1);
    assert.equal(left[0]!.name, 'prog_tc.bpf.o:[tc]', 'the foreign filter is still there');
    assert.ok(qdiscKinds(veth.host).includes('clsact'), 'a qdisc with a filter on it stays');
    const start = packets(object, Counter.TcIngress);
    sendUdp(veth, 'namespace', 2);
    assert.equal(packets(object, Counter.TcIngress), start, 'ours no longer runs');
  });
});

test('netlink tc replace: the same priority and handle is a typed error naming the program, replace swaps, close() leaves a replacement', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const first = object.programs.tc_ingress!;
    const second = object.programs.tc_egress!;
    const ours = attachTcLegacy(first, veth.host, { direction: 'ingress', priority: 7, handle: 1 });
    assert.throws(() => attachTcLegacy(second, veth.host, { direction: 'ingress', priority: 7, handle: 1 }), (error: unknown) => {
      assert.ok(error instanceof AlreadyAttachedError, String(error));
      assert.equal(error.existingProgramId, first.id);
      assert.equal(error.existingProgramName, `tc_ingress:[${first.id}]`);
      assert.equal(error.code, 'EEXIST');
      return true;
    });
    const theirs = attachTcLegacy(second, veth.host, { direction: 'ingress', priority: 7, handle: 1, replace: true });
    assert.deepEqual(bpftoolNet(veth.host).tc.map((filter) => filter.id), [second.id]);
    assert.equal(ours.info().ours, false);
    assert.equal(ours.detach(), false, 'ours had been replaced');
    assert.deepEqual(bpftoolNet(veth.host).tc.map((filter) => filter.id), [second.id], 'the replacement stays');
    assert.ok(qdiscKinds(veth.host).includes('clsact'));
    theirs.close();
    assert.deepEqual(bpftoolNet(veth.host).tc, []);
    assert.ok(!qdiscKinds(veth.host).includes('clsact'), 'emptied: the qdisc this process made is removed');
  });
});

test('netlink tc update: the program is swapped in place (same priority and handle, bpftool sees the new one), only while the expected one runs', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const [first, second] = [object.programs.tc_ingress!, object.programs.tc_egress!];
    using attachment = attachTcLegacy(first, veth.host, { direction: 'ingress' });
    const { priority, handle } = attachment;
    attachment.update(second);
    assert.equal(attachment.programId, second.id);
    assert.deepEqual(bpftoolNet(veth.host).tc.map((filter) => [filter.kind, filter.id]), [['clsact/ingress', second.id]], 'one filter, the new program');
    assert.deepEqual([attachment.info().priority, attachment.info().handle, attachment.info().ours], [priority, handle, true]);
    const [inStart, outStart] = [packets(object, Counter.TcIngress), packets(object, Counter.TcEgress)];
    sendUdp(veth, 'namespace', 3);
    assert.equal(packets(object, Counter.TcEgress) - outStart, 3n, 'the new program counts (in its own slot) on ingress');
    assert.equal(packets(object, Counter.TcIngress), inStart, 'the old one no longer runs');
    assert.throws(() => attachment.update(first, first), (error: unknown) => error instanceof InvalidArgumentError && /runs program \d+, not program/.test(error.message));
    attachment.update(first, second);
    assert.equal(bpftoolNet(veth.host).tc[0]?.id, first.id);
    attachment.close();
    assert.deepEqual(bpftoolNet(veth.host).tc, []);
    assert.throws(() => attachment.update(second), InvalidArgumentError, 'detached: nothing to update');
  });
});

test('netlink tc: pin, bad options, an XDP program and an unknown device fail typed, leaving no qdisc', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    using attachment = attachTcLegacy(object.programs.tc_ingress!, veth.host, { direction: 'ingress' });
    assert.throws(() => attachment.pin('/sys/fs/bpf/tsbpf_tc_netlink'), NotSupportedError);
    attachment.close();
    assert.throws(() => attachTcLegacy(object.programs.tc_ingress!, veth.host, { direction: 'sideways' as 'ingress' }), InvalidArgumentError);
    assert.throws(() => attachTcLegacy(object.programs.tc_ingress!, veth.host, { direction: 'ingress', replace: true }), InvalidArgumentError);
    assert.throws(() => attachTcLegacy(object.programs.tc_ingress!, veth.host, { direction: 'ingress', priority: 70000 }), InvalidArgumentError);
    assert.throws(() => attachTcLegacy(object.programs.xdp_count!, veth.host, { direction: 'egress' }), (error: unknown) => error instanceof NetlinkError && error.code === 'EINVAL');
    assert.ok(!qdiscKinds(veth.host).includes('clsact'), 'a failed attach removes the qdisc it made');
    assert.throws(() => attachTcLegacy(object.programs.tc_ingress!, 'tsbpf-nodev0', { direction: 'ingress' }), InvalidArgumentError);
    // an ingress qdisc sits where clsact would: egress is refused (the kernel would file it under ingress), ingress works
    execFileSync('tc', ['qdisc', 'add', 'dev', veth.host, 'ingress']);
    assert.throws(() => attachTcLegacy(object.programs.tc_egress!, veth.host, { direction: 'egress' }), /has an ingress qdisc at ffff:, not clsact/);
    assert.deepEqual(bpftoolNet(veth.host).tc, []);
    using onIngressQdisc = attachTcLegacy(object.programs.tc_ingress!, veth.host, { direction: 'ingress' });
    assert.equal(onIngressQdisc.createdQdisc, false);
    const start = packets(object, Counter.TcIngress);
    sendUdp(veth, 'namespace', 2);
    assert.equal(packets(object, Counter.TcIngress) - start, 2n);
    onIngressQdisc.close();
    assert.deepEqual(qdiscKinds(veth.host).filter((kind) => kind === 'ingress'), ['ingress'], 'not ours to remove');
  });
});
