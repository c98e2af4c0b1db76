/**
 * Network hooks with BPF links: XDP and tcx on an interface, sk_lookup and flow_dissector on a network
 * namespace, netfilter hooks. Kernels without XDP links or tcx attach over netlink: xdp-netlink.ts, tc-netlink.ts.
 */
import { closeSync, openSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor } from '../sys/index.js';
import { interfaceIndex } from './interfaces.js';
import { createLinkOrExplain } from './link-support.js';
import { Link } from './link.js';

/** XDP_FLAGS_* of the xdp link (include/uapi/linux/if_link.h): which mode to run in. */
export const XdpFlags = { SKB_MODE: 1 << 1, DRV_MODE: 1 << 2, HW_MODE: 1 << 3 } as const;

export function attachXdp(program: Program, iface: string | number, options: { flags?: number } = {}): Link {
  const index = interfaceIndex(iface);
  const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: index, attachType: abi.AttachTypeId.XDP, flags: options.flags ?? 0 });
  return new Link(new FileDescriptor(fd, `xdp link on ${iface}`), `xdp ${iface}`);
}

/** tcx (6.6+): a tc program on an interface's ingress or egress, ordered among the others. */
export function attachTcx(program: Program, iface: string | number, direction: 'ingress' | 'egress'): Link {
  const index = interfaceIndex(iface);
  const attachType = direction === 'ingress' ? abi.AttachTypeId.TCX_INGRESS : abi.AttachTypeId.TCX_EGRESS;
  const fd = createLinkOrExplain({ feature: 'tcx links', since: '6.6' }, () => bpf.linkCreate({ programFd: program.fd.value, targetFd: index, attachType, tcx: {} }));
  return new Link(new FileDescriptor(fd, `tcx ${direction} link on ${iface}`), `tcx ${direction} ${iface}`);
}

/** sk_lookup or flow_dissector on a network namespace (default: this process's). */
export function attachNetns(program: Program, attachType: number, netnsPath = '/proc/self/ns/net'): Link {
  if (attachType !== abi.AttachTypeId.SK_LOOKUP && attachType !== abi.AttachTypeId.FLOW_DISSECTOR) {
    throw new InvalidArgumentError('a network namespace takes sk_lookup and flow_dissector programs');
  }
  const netns = openSync(netnsPath, 'r');
  try {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: netns, attachType });
    return new Link(new FileDescriptor(fd, `netns link on ${netnsPath}`), `netns ${netnsPath}`);
  } finally {
    closeSync(netns);
  }
}

/** A netfilter hook (6.4+): protocol family (NFPROTO_IPV4 2, IPV6 10), hook number, priority. */
export function attachNetfilter(program: Program, options: { protocolFamily: number; hook: number; priority: number; flags?: number }): Link {
  const fd = createLinkOrExplain({ feature: 'netfilter links', since: '6.4' }, () => bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: abi.AttachTypeId.NETFILTER, netfilter: options }));
  return new Link(new FileDescriptor(fd, 'netfilter link'), `netfilter pf ${options.protocolFamily} hook ${options.hook}`);
}
