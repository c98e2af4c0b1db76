/**
 * netkit: a pair made over rtnetlink (primary here, peer in a namespace of the test's own), both sides'
 * programs attached through the primary, each counting the datagrams its side sends until closed; a link
 * update swaps in a program that drops them. The oracles are the packet counts and `ip -d link`, which
 * names the device kind. Kernels without CONFIG_NETKIT (this host) run the refusal test instead, and the
 * netkit tests run in the kernel matrix (Debian's 6.12 guest).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { uniqueName, type Fixtures } from '../inspect/fixtures.test-support.js';
import type { BpfObject } from '../loader/bpf-object.js';
import { nextSubnet, sendUdp, withNetworkFixtures, type PairIntoNamespace } from '../cli/net-attach.test-support.js';
import { linkDetailsByFd } from '../inspect/links.js';
import { abi } from '../sys/index.js';
import { corpus } from '../test-support/corpus.js';
import { attachNetkit } from './netkit.js';
import { createNetkitPair } from './netkit-device.js';

const built = corpus();

/** Whether this kernel makes netkit devices: the reason it doesn't, or undefined when it does. */
function netkitMissing(): string | undefined {
  try {
    createNetkitPair({ name: uniqueName('tsbk'), peerName: uniqueName('tsbk') }).close();
    return undefined;
  } catch (error) {
    if (error instanceof NotSupportedError) return error.message;
    throw error;
  }
}

const missing = typeof built === 'string' ? undefined : netkitMissing();
const skip = typeof built === 'string' ? built : missing ?? false;

/** The link_netkit object's slots. */
const Slot = { Primary: 0, Peer: 1, Dropped: 2, PrimaryAny: 3, PeerAny: 4 } as const;

function packets(object: BpfObject, slot: number): bigint {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, slot, true);
  const value = object.maps.packets!.lookup(key);
  return value ? new DataView(value.buffer, value.byteOffset).getBigUint64(0, true) : 0n;
}

/** A netkit pair up, with addresses: the primary here, the peer in a new namespace. */
function netkitIntoNamespace(f: Fixtures): PairIntoNamespace & { primaryIndex: number } {
  const ns = f.netns();
  const host = uniqueName('tsbk');
  const peer = `${host}p`;
  const pair = createNetkitPair({ name: host, peerName: peer, peerNamespace: `/run/netns/${ns.name}` });
  f.defer(() => pair.close());
  const subnet = nextSubnet();
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ip('addr', 'add', `${subnet}.1/24`, 'dev', host);
  ip('link', 'set', host, 'up');
  ip('-n', ns.name, 'addr', 'add', `${subnet}.2/24`, 'dev', peer);
  ip('-n', ns.name, 'link', 'set', peer, 'up');
  const [peerLink] = JSON.parse(execFileSync('ip', ['-j', '-n', ns.name, 'link', 'show', 'dev', peer], { encoding: 'utf8' })) as { ifindex: number }[];
  return {
    host, hostIndex: pair.primary.ifindex, primaryIndex: pair.primary.ifindex, peer, peerIndex: peerLink!.ifindex,
    namespace: ns.name, hostAddress: `${subnet}.1`, peerAddress: `${subnet}.2`,
  };
}

/** `ip -d -j link show dev NAME`'s kind of device. */
function deviceKind(name: string, namespace?: string): string | undefined {
  const args = [...(namespace ? ['-n', namespace] : []), '-d', '-j', 'link', 'show', 'dev', name];
  const [link] = JSON.parse(execFileSync('ip', args, { encoding: 'utf8' })) as { linkinfo?: { info_kind?: string } }[];
  return link?.linkinfo?.info_kind;
}

test('netkit: both sides attach through the primary and count what their side sends until close(); update swaps the program', { skip }, async (t) => {
  await withNetworkFixtures(async (f) => {
    const pair = netkitIntoNamespace(f);
    assert.equal(deviceKind(pair.host), 'netkit');
    assert.equal(deviceKind(pair.peer, pair.namespace), 'netkit', 'the peer was made in the namespace');
    const object = await f.object('link_netkit');
    const primary = attachNetkit(object.programs.netkit_primary!, pair.host, 'primary');
    const peer = attachNetkit(object.programs.netkit_peer!, pair.primaryIndex, 'peer');
    try {
      assert.deepEqual(linkDetailsByFd(primary.fd.value).details, { kind: 'netkit', ifindex: pair.primaryIndex, attachType: abi.AttachTypeId.NETKIT_PRIMARY });
      // The kernel reports the device the program runs on: the peer's ifindex (in its namespace) for the peer side.
      assert.deepEqual(linkDetailsByFd(peer.fd.value).details, { kind: 'netkit', ifindex: pair.peerIndex, attachType: abi.AttachTypeId.NETKIT_PEER });
      sendUdp(pair, 'namespace', 5);
      sendUdp(pair, 'host', 4);
      const seen = Object.fromEntries(Object.entries(Slot).map(([name, slot]) => [name, packets(object, slot)]));
      t.diagnostic(`counted: ${JSON.stringify(seen, (_, v: unknown) => typeof v === 'bigint' ? Number(v) : v)}`);
      assert.equal(packets(object, Slot.Peer), 5n, 'the peer program saw what the namespace sent');
      assert.equal(packets(object, Slot.Primary), 4n, 'the primary program saw what was sent to the namespace');

      peer.update(object.programs.netkit_drop!);
      sendUdp(pair, 'namespace', 3);
      assert.equal(packets(object, Slot.Dropped), 3n, 'the updated link runs the dropping program');
      assert.equal(packets(object, Slot.Peer), 5n);
    } finally {
      primary.close();
      peer.close();
    }
    sendUdp(pair, 'namespace', 2);
    sendUdp(pair, 'host', 2);
    assert.deepEqual([packets(object, Slot.Primary), packets(object, Slot.Peer), packets(object, Slot.Dropped)], [4n, 5n, 3n], 'nothing counts after close()');
  });
});

test('netkit refusals are typed: a device that is not netkit, a name taken', { skip }, async () => {
  await withNetworkFixtures(async (f) => {
    const object = await f.object('link_netkit');
    assert.throws(() => attachNetkit(object.programs.netkit_primary!, 'lo', 'primary'), (error: unknown) => error instanceof InvalidArgumentError && /lo is not a netkit device/.test(error.message));
    const pair = netkitIntoNamespace(f);
    assert.throws(() => createNetkitPair({ name: pair.host, peerName: uniqueName('tsbk') }), InvalidArgumentError);
  });
});

test('a kernel without netkit: creating a pair and attaching both say CONFIG_NETKIT', { skip: typeof built === 'string' ? built : missing === undefined ? 'this kernel has netkit (the tests above ran)' : false }, async () => {
  await withNetworkFixtures(async (f) => {
    assert.throws(() => createNetkitPair({ name: uniqueName('tsbk'), peerName: uniqueName('tsbk') }), (error: unknown) => error instanceof NotSupportedError && /CONFIG_NETKIT/.test(error.message));
    const object = await f.object('link_netkit');
    const veth = f.veth();
    assert.throws(() => attachNetkit(object.programs.netkit_primary!, veth.name, 'primary'), (error: unknown) => error instanceof NotSupportedError && /built without CONFIG_NETKIT/.test(error.message));
  });
});
