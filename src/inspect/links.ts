/**
 * The kernel's BPF links with their per-type details (`bpftool link list/show`), plus pin and detach.
 * The common head of `struct bpf_link_info` comes from src/info; the per-type union is decoded here,
 * one case per `enum bpf_link_type`, with the names the pointer members (tracepoint, iterator target)
 * read on a second call.
 */
import type { OwnersScanner } from './owners-iterator.js';
import { readlinkSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { getObjectInfo, readCString } from '../info/object-info.js';
import { decodeLinkInfo, linkIds, programInfoById } from '../info/index.js';
import { abi, bpf, closeRawFd, ensureBpffsFor } from '../sys/index.js';
import { unlessGone } from './btf.js';

const L = abi.LinkInfoLayout;

/**
 * Members of the per-type union of `struct bpf_link_info` (include/uapi/linux/bpf.h, kernel 6.18),
 * relative to the union's start (LinkInfoLayout.union). The generated ABI covers only the head so far.
 */
const LinkUnion = {
  rawTracepoint: { tp_name: 0, tp_name_len: 8 },
  tracing: { attach_type: 0, target_obj_id: 4, target_btf_id: 8 },
  cgroup: { cgroup_id: 0, attach_type: 8 },
  iter: { target_name: 0, target_name_len: 8, map_id: 12 },
  netns: { netns_ino: 0, attach_type: 4 },
  xdp: { ifindex: 0 },
  netfilter: { pf: 0, hooknum: 4, priority: 8, flags: 12 },
  tcx: { ifindex: 0, attach_type: 4 },
  perfEvent: { type: 0 },
  kprobeMulti: { count: 8, flags: 12, missed: 16 },
  uprobeMulti: { path_size: 32, count: 36, flags: 40, pid: 44 },
} as const;

/** The longest name a tracepoint or iterator target has room for (bpftool reads 256 bytes too). */
const NAME_ROOM = 256;

export type LinkDetails =
  | { kind: 'raw_tracepoint'; tracepoint: string }
  | { kind: 'tracing'; attachType: number; targetObjectId: number; targetBtfId: number }
  | { kind: 'cgroup'; cgroupId: bigint; attachType: number }
  | { kind: 'iter'; targetName: string; mapId: number }
  | { kind: 'netns'; netnsInode: number; attachType: number }
  | { kind: 'xdp'; ifindex: number }
  | { kind: 'netfilter'; protocolFamily: number; hook: number; priority: number; flags: number }
  | { kind: 'tcx' | 'netkit'; ifindex: number; attachType: number }
  | { kind: 'perf_event'; perfEventType: number }
  | { kind: 'kprobe_multi'; count: number; flags: number; missed: bigint }
  | { kind: 'uprobe_multi'; count: number; flags: number; pid: number }
  | { kind: 'other' };

export interface LinkListing {
  id: number;
  /** `enum bpf_link_type`. */
  type: number;
  /** The program the link holds; 0 after a detach. */
  programId: number;
  /** For tracing links, the type of the program (bpftool prints it); undefined otherwise. */
  programType?: number;
  details: LinkDetails;
}

const T = abi.LinkTypeId;

/** A pointer member the kernel fills with a name (the raw tracepoint's, the iterator target's). */
function nameArray(offset: { pointer: number; length: number }) {
  return [{ pointerOffset: L.union + offset.pointer, lengthOffset: L.union + offset.length, length: NAME_ROOM, bytes: NAME_ROOM }];
}

function decodeDetails(type: number, fd: number, head: DataView): LinkDetails {
  const u32 = (view: DataView, offset: number) => view.getUint32(L.union + offset, true);
  switch (type) {
    case T.RAW_TRACEPOINT: {
      const m = LinkUnion.rawTracepoint;
      const { arrays } = getObjectInfo(fd, L.size, nameArray({ pointer: m.tp_name, length: m.tp_name_len }));
      return { kind: 'raw_tracepoint', tracepoint: readCString(arrays[0]!) };
    }
    case T.TRACING: {
      const m = LinkUnion.tracing;
      return { kind: 'tracing', attachType: u32(head, m.attach_type), targetObjectId: u32(head, m.target_obj_id), targetBtfId: u32(head, m.target_btf_id) };
    }
    case T.CGROUP: {
      const m = LinkUnion.cgroup;
      return { kind: 'cgroup', cgroupId: head.getBigUint64(L.union + m.cgroup_id, true), attachType: u32(head, m.attach_type) };
    }
    case T.ITER: {
      const m = LinkUnion.iter;
      const { view, arrays } = getObjectInfo(fd, L.size, nameArray({ pointer: m.target_name, length: m.target_name_len }));
      return { kind: 'iter', targetName: readCString(arrays[0]!), mapId: u32(view, m.map_id) };
    }
    case T.NETNS:
      return { kind: 'netns', netnsInode: u32(head, LinkUnion.netns.netns_ino), attachType: u32(head, LinkUnion.netns.attach_type) };
    case T.XDP:
      return { kind: 'xdp', ifindex: u32(head, LinkUnion.xdp.ifindex) };
    case T.NETFILTER: {
      const m = LinkUnion.netfilter;
      return { kind: 'netfilter', protocolFamily: u32(head, m.pf), hook: u32(head, m.hooknum), priority: head.getInt32(L.union + m.priority, true), flags: u32(head, m.flags) };
    }
    case T.TCX:
    case T.NETKIT:
      return { kind: type === T.TCX ? 'tcx' : 'netkit', ifindex: u32(head, LinkUnion.tcx.ifindex), attachType: u32(head, LinkUnion.tcx.attach_type) };
    case T.PERF_EVENT:
      return { kind: 'perf_event', perfEventType: u32(head, LinkUnion.perfEvent.type) };
    case T.KPROBE_MULTI: {
      const m = LinkUnion.kprobeMulti;
      return { kind: 'kprobe_multi', count: u32(head, m.count), flags: u32(head, m.flags), missed: head.getBigUint64(L.union + m.missed, true) };
    }
    case T.UPROBE_MULTI: {
      const m = LinkUnion.uprobeMulti;
      return { kind: 'uprobe_multi', count: u32(head, m.count), flags: u32(head, m.flags), pid: u32(head, m.pid) };
    }
    default:
      return { kind: 'other' };
  }
}

/** Everything about the link behind `fd`. */
export function linkDetailsByFd(fd: number): LinkListing {
  const head = getObjectInfo(fd, L.size).view;
  const info = decodeLinkInfo(head);
  const listing: LinkListing = { id: info.id, type: info.type, programId: info.programId, details: decodeDetails(info.type, fd, head) };
  if (info.type === T.TRACING && info.programId !== 0) {
    const program = unlessGone(() => programInfoById(info.programId));
    if (program) listing.programType = program.type;
  }
  return listing;
}

/** One link by id; throws BpfError (ENOENT) when there is none. */
export function linkDetails(id: number): LinkListing {
  const fd = bpf.getFdById('LINK', id);
  try {
    return linkDetailsByFd(fd);
  } finally {
    closeRawFd(fd);
  }
}

/** One link by its pin in bpffs. */
export function pinnedLinkDetails(path: string): LinkListing {
  const fd = openPinnedLink(path);
  try {
    return linkDetailsByFd(fd);
  } finally {
    closeRawFd(fd);
  }
}

/**
 * Every link the kernel holds, by id; links that go away during the walk are left out. With `hide`
 * (an open OwnersScanner), its iterator's link is left out too: tsbpf's own machinery, not the user's,
 * as listPrograms({ owners: scanner }) leaves out its program.
 */
export function listLinks(options: { hide?: Pick<OwnersScanner, 'linkId'> } = {}): LinkListing[] {
  const links: LinkListing[] = [];
  const hidden = options.hide?.linkId ?? -1;
  for (const id of linkIds()) {
    if (id === hidden) continue;
    const link = unlessGone(() => linkDetails(id));
    if (link) links.push(link);
  }
  return links;
}

/** Opens a pinned object and checks it is a link (a pinned program or map is refused by name). */
function openPinnedLink(path: string): number {
  const fd = bpf.objGet(path);
  // bpffs holds programs and maps too; the fd's anonymous inode says which this is
  let kind = '';
  try {
    kind = readlinkSync(`/proc/self/fd/${fd}`);
  } catch { /* no /proc: let the info call decide */ }
  if (kind !== '' && kind !== 'anon_inode:bpf-link') {
    closeRawFd(fd);
    throw new InvalidArgumentError(`${path} is not a pinned link (it is ${kind.replace('anon_inode:', '')})`, 'give the path of a pinned BPF link');
  }
  return fd;
}

/** Where a link is: by id or by its pin. */
export type LinkReference = { id: number } | { pinned: string };

function openLink(reference: LinkReference): number {
  return 'id' in reference ? bpf.getFdById('LINK', reference.id) : openPinnedLink(reference.pinned);
}

/**
 * Pins the link at `path` (bpffs, mounted at /sys/fs/bpf first when missing, as bpftool does); the link
 * lives on after this process exits.
 */
export function pinLink(reference: LinkReference, path: string): void {
  const fd = openLink(reference);
  try {
    ensureBpffsFor(path);
    bpf.objPin(fd, path);
  } finally {
    closeRawFd(fd);
  }
}

/** Detaches the link: its program leaves the hook; the link object stays until its last fd or pin goes. */
export function detachLink(reference: LinkReference): void {
  const fd = openLink(reference);
  try {
    bpf.linkDetach(fd);
  } finally {
    closeRawFd(fd);
  }
}
