/**
 * What the netlink and netkit attach tests share: a veth (or netkit) pair whose peer lives in a network
 * namespace of the test's own (made with the inspect tests' Fixtures, which remove it), UDP datagrams
 * sent across it, and the counters of corpus/loader/netlink_counters.bpf.c. The host end stays in this
 * namespace, where the library attaches; `bpftool net list dev HOST -j` is the oracle.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Fixtures, uniqueName } from '../inspect/fixtures.test-support.js';
import type { BpfObject } from '../loader/bpf-object.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, openFdCount } from '../test-support/kernel.js';

/** Runs `body` with fresh Fixtures, then checks that no program, map or fd outlived them. */
export async function withNetworkFixtures(body: (f: Fixtures) => Promise<void> | void): Promise<void> {
  const before = kernelSnapshot();
  const fds = openFdCount();
  const f = new Fixtures();
  try {
    await body(f);
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), [], 'no program or map left');
  assert.equal(openFdCount(), fds, 'no fd left');
}

/** withNetworkFixtures with a veth into a fresh namespace, ARP settled by one datagram before `body` counts. */
export async function withVeth(body: (f: Fixtures, veth: VethIntoNamespace) => Promise<void> | void): Promise<void> {
  await withNetworkFixtures(async (f) => {
    const veth = vethIntoNamespace(f);
    sendUdp(veth, 'namespace', 1);
    await body(f, veth);
  });
}

/** Two ends of a device pair: `host` here, `peer` in `namespace`, each with an address on a /24 of its own. */
export interface PairIntoNamespace {
  /** The end in this namespace, and its ifindex. */
  host: string;
  hostIndex: number;
  /** The end inside `namespace`, and its ifindex there. */
  peer: string;
  peerIndex: number;
  namespace: string;
  hostAddress: string;
  peerAddress: string;
}

export type VethIntoNamespace = PairIntoNamespace;

let subnets = 0;

/** A fresh 10.233.X subnet for one pair. */
export function nextSubnet(): string {
  subnets += 1;
  return `10.233.${(process.pid + subnets) % 250 + 1}`;
}

/** A veth pair up, with addresses on a /24 of its own: `host` here, `peer` in a new namespace. */
export function vethIntoNamespace(f: Fixtures): VethIntoNamespace {
  const ns = f.netns();
  const host = uniqueName('tsbn');
  const peer = `${host}p`;
  const subnet = nextSubnet();
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns.name);
  f.defer(() => { try { ip('link', 'del', host); } catch { /* gone with the namespace */ } });
  ip('addr', 'add', `${subnet}.1/24`, 'dev', host);
  ip('link', 'set', host, 'up');
  ip('-n', ns.name, 'addr', 'add', `${subnet}.2/24`, 'dev', peer);
  ip('-n', ns.name, 'link', 'set', peer, 'up');
  ip('-n', ns.name, 'link', 'set', 'lo', 'up');
  const hostIndex = Number(readFileSync(`/sys/class/net/${host}/ifindex`, 'utf8').trim());
  const [peerLink] = JSON.parse(execFileSync('ip', ['-j', '-n', ns.name, 'link', 'show', 'dev', peer], { encoding: 'utf8' })) as { ifindex: number }[];
  return { host, hostIndex, peer, peerIndex: peerLink!.ifindex, namespace: ns.name, hostAddress: `${subnet}.1`, peerAddress: `${subnet}.2` };
}

/**
 * `count` UDP datagrams to port 9: from inside the namespace to the host end (they arrive on `host`:
 * its XDP and tc ingress), or from here to the peer (they leave through `host`'s tc egress).
 */
export function sendUdp(veth: PairIntoNamespace, from: 'namespace' | 'host', count: number): void {
  const to = from === 'namespace' ? veth.hostAddress : veth.peerAddress;
  const script = `const s=require('dgram').createSocket('udp4');let n=${count};const go=()=>{if(n--===0){s.close();return;}s.send('x',9,'${to}',go)};go();`;
  const command = from === 'namespace' ? ['ip', 'netns', 'exec', veth.namespace, process.execPath, '-e', script] : [process.execPath, '-e', script];
  execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** netlink_counters' slots: which program counted a datagram. */
export const Counter = { XdpPrimary: 0, XdpOther: 1, TcIngress: 2, TcEgress: 3 } as const;

/** The value of one slot of netlink_counters' `packets` array. */
export function packets(object: BpfObject, slot: number): bigint {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, slot, true);
  const value = object.maps.packets!.lookup(key);
  return value ? new DataView(value.buffer, value.byteOffset).getBigUint64(0, true) : 0n;
}

export interface BpftoolNet {
  xdp: { devname: string; ifindex: number; mode?: string; id?: number; multi_attachments?: { mode: string; id: number }[] }[];
  tc: { devname: string; ifindex: number; kind: string; name?: string; id?: number }[];
}

/** `bpftool net list dev NAME -j` (in `namespace`, when given): the oracle of what is attached. */
export function bpftoolNet(device: string, namespace?: string): BpftoolNet {
  if (namespace === undefined) return bpftoolJson<BpftoolNet[]>('net', 'list', 'dev', device)[0]!;
  const text = execFileSync('ip', ['netns', 'exec', namespace, 'bpftool', '-j', 'net', 'list', 'dev', device], { encoding: 'utf8' });
  return (JSON.parse(text) as BpftoolNet[])[0]!;
}
