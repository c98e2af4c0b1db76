/**
 * netkit devices (Linux 6.7+, CONFIG_NETKIT): a veth-like pair whose packets are judged by BPF programs
 * attached with netkit links (netkit.ts) instead of a qdisc. The primary end stays in the creating
 * namespace and holds both ends' programs; the peer usually moves into a container's namespace. iproute2
 * before 6.7 cannot make them, so tsbpf does it over rtnetlink: RTM_NEWLINK with IFLA_LINKINFO
 * { kind "netkit", data { peer info, mode, policies } }.
 */
import { openSync, closeSync } from 'node:fs';
import { Errno, InvalidArgumentError, NotSupportedError } from '../errors.js';
import {
  attribute, concatBytes, findNetworkDevice, ifInfoMessage, IflaAttribute, IflaInfoAttribute, IflaNetkitAttribute, linkRequest, nestedAttribute,
  Netlink, NetlinkError, NetkitMode, NetkitPolicy, RouteNetlink, RtmType, stringAttribute, u32Attribute,
} from '../sys/netlink.js';

/** What a side does with a packet no program decided on (NETKIT_NEXT all the way): iproute2's words. */
export type NetkitDefaultPolicy = 'forward' | 'blackhole';

export interface NetkitPairOptions {
  /** The primary's name; it stays in this network namespace. */
  name: string;
  /** The peer's name. */
  peerName: string;
  /** `l3` (the default, as iproute2's: no Ethernet header, no ARP) or `l2` (Ethernet frames, a random MAC). */
  mode?: 'l3' | 'l2';
  /** The primary's and the peer's verdict when no program decides (default `forward`). */
  policy?: NetkitDefaultPolicy;
  peerPolicy?: NetkitDefaultPolicy;
  /** Create the peer in this network namespace: a path such as /run/netns/NAME. */
  peerNamespace?: string;
}

/** A netkit pair this process created; close() deletes it (removing the primary removes the peer too). */
export class NetkitPair implements Disposable {
  readonly primary: { name: string; ifindex: number };
  readonly peer: { name: string; namespace?: string };
  #closed = false;

  constructor(primary: { name: string; ifindex: number }, peer: { name: string; namespace?: string }) {
    this.primary = primary;
    this.peer = peer;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    using netlink = new RouteNetlink();
    try {
      netlink.request(RtmType.DELLINK, 0, linkRequest(this.primary.ifindex), `RTM_DELLINK ${this.primary.name}`);
    } catch (error) {
      if (!(error instanceof NetlinkError && error.errno === Errno.ENODEV)) throw error; // gone already is fine
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

const POLICY: Readonly<Record<NetkitDefaultPolicy, number>> = { forward: NetkitPolicy.PASS, blackhole: NetkitPolicy.DROP };

/** Creates a netkit pair; the devices start down and without addresses (`ip addr`/`ip link set up` work on them). */
export function createNetkitPair(options: NetkitPairOptions): NetkitPair {
  const peerNamespace = options.peerNamespace === undefined ? undefined : openNamespace(options.peerNamespace);
  try {
    using netlink = new RouteNetlink();
    const peerInfo = [ifInfoMessage(), stringAttribute(IflaAttribute.IFNAME, options.peerName)];
    if (peerNamespace !== undefined) peerInfo.push(u32Attribute(IflaAttribute.NET_NS_FD, peerNamespace));
    const data = [
      // IFLA_NETKIT_PEER_INFO holds an ifinfomsg then attributes, which the kernel parses by hand: no NLA_F_NESTED.
      attribute(IflaNetkitAttribute.PEER_INFO, concatBytes(peerInfo)),
      u32Attribute(IflaNetkitAttribute.MODE, options.mode === 'l2' ? NetkitMode.L2 : NetkitMode.L3),
      u32Attribute(IflaNetkitAttribute.POLICY, POLICY[options.policy ?? 'forward']),
      u32Attribute(IflaNetkitAttribute.PEER_POLICY, POLICY[options.peerPolicy ?? 'forward']),
    ];
    const request = linkRequest(0, [
      stringAttribute(IflaAttribute.IFNAME, options.name),
      nestedAttribute(IflaAttribute.LINKINFO, [
        stringAttribute(IflaInfoAttribute.KIND, 'netkit'),
        nestedAttribute(IflaInfoAttribute.DATA, data),
      ]),
    ]);
    try {
      netlink.request(RtmType.NEWLINK, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, request, `RTM_NEWLINK netkit ${options.name}`);
    } catch (error) {
      throw explainRefusal(error, options);
    }
    const primary = findNetworkDevice(netlink, options.name);
    const peer = options.peerNamespace === undefined ? { name: options.peerName } : { name: options.peerName, namespace: options.peerNamespace };
    return new NetkitPair({ name: primary.name, ifindex: primary.ifindex }, peer);
  } finally {
    if (peerNamespace !== undefined) closeSync(peerNamespace);
  }
}

function openNamespace(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new InvalidArgumentError(`cannot open the network namespace ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, 'name one under /run/netns (ip netns add NAME) or /proc/PID/ns/net');
  }
}

function explainRefusal(error: unknown, options: NetkitPairOptions): unknown {
  if (!(error instanceof NetlinkError)) return error;
  if (error.errno === Errno.EOPNOTSUPP) {
    return new NotSupportedError('netkit devices', `the kernel has no netkit driver (CONFIG_NETKIT, Linux 6.7+): ${error.message}`, 'use a kernel built with CONFIG_NETKIT, or a veth pair with tcx or tc programs');
  }
  if (error.errno === Errno.EEXIST) {
    return new InvalidArgumentError(`a network device named ${options.name} or ${options.peerName} exists already`, 'pick other names, or delete it with ip link del');
  }
  return error;
}
