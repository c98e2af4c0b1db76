/**
 * XDP attached over netlink on a veth whose peer is in a network namespace of the test's own: datagrams
 * from the namespace are counted while attached and not after; bpftool sees the mode asked for; a second
 * attach without replace names the program in the way; close() never removes a program that replaced ours.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { bpftoolNet, Counter, packets, sendUdp, withVeth } from '../cli/net-attach.test-support.js';
import { AlreadyAttachedError, NetlinkError } from '../sys/netlink.js';
import { corpus } from '../test-support/corpus.js';
import { attachXdp } from './network.js';
import { attachXdpLegacy, detachXdpLegacy, xdpPrograms } from './xdp-netlink.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;

test('netlink XDP in driver, generic and auto mode: bpftool sees the mode, packets count until close()', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const program = object.programs.xdp_count!;
    for (const [mode, bpftoolMode] of [['driver', 'driver'], ['skb', 'generic'], ['auto', 'driver']] as const) {
      const attachment = attachXdpLegacy(program, veth.host, { mode });
      try {
        assert.equal(attachment.mode, mode === 'auto' ? 'driver' : mode, 'auto picks native XDP on a veth');
        assert.deepEqual(bpftoolNet(veth.host).xdp, [{ devname: veth.host, ifindex: veth.hostIndex, mode: bpftoolMode, id: program.id }], mode);
        assert.deepEqual(attachment.info(), { ifindex: veth.hostIndex, interfaceName: veth.host, mode: attachment.mode, programId: program.id, ours: true });
        const start = packets(object, Counter.XdpPrimary);
        sendUdp(veth, 'namespace', 5);
        assert.equal(packets(object, Counter.XdpPrimary) - start, 5n, `${mode}: five datagrams seen`);
      } finally {
        attachment.close();
      }
      assert.equal(attachment.attached, false);
      assert.deepEqual(bpftoolNet(veth.host).xdp, [], `${mode}: detached`);
      const after = packets(object, Counter.XdpPrimary);
      sendUdp(veth, 'namespace', 3);
      assert.equal(packets(object, Counter.XdpPrimary), after, `${mode}: nothing counted after close()`);
    }
  });
});

test('netlink XDP replace: without replace a typed error names the program there; replace, expectedProgram and update swap it', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const ours = object.programs.xdp_count!;
    const other = object.programs.xdp_count_other!;
    const first = attachXdpLegacy(ours, veth.host, { mode: 'driver' });
    assert.throws(() => attachXdpLegacy(other, veth.host, { mode: 'driver' }), (error: unknown) => {
      assert.ok(error instanceof AlreadyAttachedError, String(error));
      assert.equal(error.existingProgramId, ours.id);
      assert.equal(error.existingProgramName, 'xdp_count');
      assert.match(error.kernelMessage ?? '', /already attached/i, 'the kernel\'s extended ack text');
      assert.match(error.message, new RegExp(`program ${ours.id} \\(xdp_count\\) is already attached`));
      return true;
    });
    // someone else replaces ours: our close() must leave theirs
    const theirs = attachXdpLegacy(other, veth.host, { mode: 'driver', replace: true });
    assert.deepEqual(bpftoolNet(veth.host).xdp.map((entry) => entry.id), [other.id]);
    assert.deepEqual(first.info(), { ifindex: veth.hostIndex, interfaceName: veth.host, mode: 'driver', programId: other.id, ours: false });
    assert.equal(first.detach(), false, 'ours was no longer there');
    first.close();
    assert.deepEqual(bpftoolNet(veth.host).xdp.map((entry) => entry.id), [other.id], 'theirs is still attached');
    const start = packets(object, Counter.XdpOther);
    sendUdp(veth, 'namespace', 4);
    assert.equal(packets(object, Counter.XdpOther) - start, 4n);
    // an expected program that is not the one there: the kernel refuses, with its reason
    assert.throws(() => attachXdpLegacy(ours, veth.host, { mode: 'driver', expectedProgram: ours }), (error: unknown) =>
      error instanceof NetlinkError && error.code === 'EEXIST' && /does not match expected/.test(error.kernelMessage ?? ''));
    // the expected one: swapped atomically
    const swapped = attachXdpLegacy(ours, veth.host, { mode: 'driver', expectedProgram: other });
    assert.deepEqual(bpftoolNet(veth.host).xdp.map((entry) => entry.id), [ours.id]);
    theirs.close();
    assert.deepEqual(bpftoolNet(veth.host).xdp.map((entry) => entry.id), [ours.id], 'their close() left ours');
    swapped.update(other);
    assert.equal(swapped.programId, other.id);
    assert.deepEqual(xdpPrograms(veth.host), { driver: other.id });
    swapped.close();
    assert.deepEqual(xdpPrograms(veth.hostIndex), {});
  });
});

test('netlink XDP: detachXdpLegacy removes what runs in a mode; pin, hw mode and unknown devices fail typed', { skip }, async () => {
  await withVeth(async (f, veth) => {
    const object = await f.object('netlink_counters');
    const program = object.programs.xdp_count!;
    const attachment = attachXdpLegacy(program.fd.value, veth.hostIndex, { mode: 'skb' });
    assert.throws(() => attachment.pin('/sys/fs/bpf/tsbpf_xdp_netlink'), NotSupportedError);
    assert.equal(detachXdpLegacy(veth.host, { mode: 'driver' }), false, 'nothing in driver mode');
    assert.equal(detachXdpLegacy(veth.host, { mode: 'skb' }), true);
    assert.deepEqual(bpftoolNet(veth.host).xdp, []);
    attachment.close();
    assert.throws(() => attachXdpLegacy(program, veth.host, { mode: 'hw' }), (error: unknown) => error instanceof NetlinkError && error.errno > 0);
    assert.deepEqual(bpftoolNet(veth.host).xdp, [], 'hw refused, nothing attached');
    assert.throws(() => attachXdpLegacy(program, 'tsbpf-nodev0'), InvalidArgumentError);
    assert.throws(() => attachXdpLegacy(program, veth.host, { mode: 'generic' as 'skb' }), InvalidArgumentError);
    // an XDP BPF link on the device: netlink can't replace it, even with replace, and says so
    using link = attachXdp(program, veth.host);
    assert.throws(() => attachXdpLegacy(object.programs.xdp_count_other!, veth.host), (error: unknown) =>
      error instanceof AlreadyAttachedError && error.existingProgramId === program.id && /BPF link holds it/.test(error.hint));
    assert.throws(() => attachXdpLegacy(object.programs.xdp_count_other!, veth.host, { replace: true }), (error: unknown) =>
      error instanceof NetlinkError && error.code === 'EBUSY' && /link/i.test(error.kernelMessage ?? ''));
    link.close();
    assert.throws(() => attachXdpLegacy(program, 0x7ffffff0), InvalidArgumentError);
  });
});
