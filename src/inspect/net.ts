/**
 * What is attached to the network devices of this network namespace, found as `bpftool net list`
 * finds it: XDP programs from each link's IFLA_XDP attributes, tc BPF filters from filter dumps under
 * each qdisc and class handle and under root, clsact/ingress and clsact/egress, and the namespace's
 * flow dissector from BPF_PROG_QUERY. tcx programs (which bpftool 7.1 does not list) come from
 * BPF_PROG_QUERY on each device, for callers that want them.
 */
import { closeSync, openSync } from 'node:fs';
import { BpfError, Errno, InvalidArgumentError, TsbpfError } from '../errors.js';
import { abi, bpf } from '../sys/index.js';
import {
  attributeString, attributeU32, attributeU8, IfInfoMessage, IflaAttribute, IflaXdpAttribute, linkDumpRequest,
  parseAttributes, RouteNetlink, RtmType, TcaActAttribute, TcaActBpfAttribute, TcaAttribute, TcaBpfAttribute, tcDumpRequest,
  TcHandle, TcMessage, XdpAttached,
} from '../sys/netlink.js';

export type XdpMode = 'generic' | 'driver' | 'offload';

export interface XdpAttachment {
  devname: string;
  ifindex: number;
  /** One program, or (several modes at once) `multi` with one per mode. */
  programs: { mode: XdpMode; id: number }[];
  multi: boolean;
}

export interface TcAction {
  name?: string;
  id?: number;
}

export interface TcFilterAttachment {
  devname: string;
  ifindex: number;
  /** Where the filter hangs: a qdisc or class kind, `root`, `clsact/ingress` or `clsact/egress`. */
  kind: string;
  /** The filter's name (tc's `file:[section]`). */
  name?: string;
  id?: number;
  /** BPF actions of a filter that is not direct-action, when it has any. */
  actions?: TcAction[];
}

export interface TcxAttachment {
  devname: string;
  ifindex: number;
  direction: 'ingress' | 'egress';
  programIds: number[];
}

export interface NetAttachments {
  xdp: XdpAttachment[];
  tc: TcFilterAttachment[];
  /** The program dissecting flows in this network namespace, if any. */
  flowDissector: number | undefined;
  /** Beyond bpftool 7.1: tcx programs per device and direction. */
  tcx: TcxAttachment[];
}

export interface NetListOptions {
  /** Only this device (bpftool's `dev NAME`). */
  device?: string;
}

interface Device {
  ifindex: number;
  devname: string;
}

function xdpOf(device: Device, xdp: Uint8Array): XdpAttachment | undefined {
  const attributes = parseAttributes(xdp);
  const attached = attributeU8(attributes.get(IflaXdpAttribute.ATTACHED));
  if (attached === undefined || attached === XdpAttached.NONE) return undefined;
  const one = (attribute: number, mode: XdpMode) => {
    const id = attributeU32(attributes.get(attribute));
    return id === undefined ? [] : [{ mode, id }];
  };
  if (attached === XdpAttached.MULTI) {
    return { ...device, multi: true, programs: [...one(IflaXdpAttribute.SKB_PROG_ID, 'generic'), ...one(IflaXdpAttribute.DRV_PROG_ID, 'driver'), ...one(IflaXdpAttribute.HW_PROG_ID, 'offload')] };
  }
  const mode: XdpMode | undefined = attached === XdpAttached.DRV ? 'driver' : attached === XdpAttached.SKB ? 'generic' : attached === XdpAttached.HW ? 'offload' : undefined;
  return { ...device, multi: false, programs: mode ? one(IflaXdpAttribute.PROG_ID, mode) : [] };
}

function actionsOf(bytes: Uint8Array): TcAction[] {
  const actions: TcAction[] = [];
  const byPriority = parseAttributes(bytes);
  for (let priority = 0; priority <= TcaActAttribute.MAX_PRIO; priority++) {
    const action = byPriority.get(priority);
    if (!action) continue;
    const attributes = parseAttributes(action);
    if (attributeString(attributes.get(TcaActAttribute.KIND)) !== 'bpf') continue;
    const options = parseAttributes(attributes.get(TcaActAttribute.OPTIONS) ?? new Uint8Array(0));
    if (!options.has(TcaActBpfAttribute.PARMS)) break; // bpftool stops at an action it cannot parse
    const entry: TcAction = {};
    const name = attributeString(options.get(TcaActBpfAttribute.NAME));
    const id = attributeU32(options.get(TcaActBpfAttribute.ID));
    if (name !== undefined) entry.name = name;
    if (id !== undefined) entry.id = id;
    actions.push(entry);
  }
  return actions;
}

function filtersUnder(netlink: RouteNetlink, device: Device, parent: number, kind: string): TcFilterAttachment[] {
  const filters: TcFilterAttachment[] = [];
  for (const message of netlink.dump(RtmType.GETTFILTER, tcDumpRequest(device.ifindex, parent), 'RTM_GETTFILTER')) {
    const attributes = parseAttributes(message.body, TcMessage.size);
    const options = attributes.get(TcaAttribute.OPTIONS);
    if (!options || attributeString(attributes.get(TcaAttribute.KIND)) !== 'bpf') continue;
    const bpfAttributes = parseAttributes(options);
    const filter: TcFilterAttachment = { ...device, kind };
    const name = attributeString(bpfAttributes.get(TcaBpfAttribute.NAME));
    const id = attributeU32(bpfAttributes.get(TcaBpfAttribute.ID));
    if (name !== undefined) filter.name = name;
    if (id !== undefined) filter.id = id;
    const actions = bpfAttributes.get(TcaBpfAttribute.ACT);
    if (actions) filter.actions = actionsOf(actions);
    filters.push(filter);
  }
  return filters;
}

/**
 * A device's tc filters in bpftool's order: under each class and qdisc handle (qdiscs: not clsact and
 * not handle 0; the qdisc dump is not per device, as in libbpf), then root, clsact ingress and egress.
 * A failing dump ends the device's list there, as it does bpftool's.
 */
function tcFiltersOf(netlink: RouteNetlink, device: Device): TcFilterAttachment[] {
  const filters: TcFilterAttachment[] = [];
  try {
    const handles: { kind: string; handle: number }[] = [];
    const collect = (type: number, what: string, qdisc: boolean) => {
      for (const message of netlink.dump(type, tcDumpRequest(device.ifindex), what)) {
        const view = new DataView(message.body.buffer, message.body.byteOffset, message.body.byteLength);
        const handle = view.getUint32(TcMessage.handle, true);
        const kind = attributeString(parseAttributes(message.body, TcMessage.size).get(TcaAttribute.KIND));
        if (qdisc && (kind === 'clsact' || handle === 0)) continue;
        handles.push({ kind: kind ?? 'unknown', handle });
      }
    };
    collect(RtmType.GETTCLASS, 'RTM_GETTCLASS', false);
    collect(RtmType.GETQDISC, 'RTM_GETQDISC', true);
    for (const { kind, handle } of handles) filters.push(...filtersUnder(netlink, device, handle, kind));
    filters.push(...filtersUnder(netlink, device, TcHandle.ROOT, 'root'));
    filters.push(...filtersUnder(netlink, device, TcHandle.CLSACT_INGRESS, 'clsact/ingress'));
    filters.push(...filtersUnder(netlink, device, TcHandle.CLSACT_EGRESS, 'clsact/egress'));
  } catch (error) {
    if (!(error instanceof TsbpfError)) throw error;
  }
  return filters;
}

function flowDissectorProgram(): number | undefined {
  const fd = openSync('/proc/self/ns/net', 'r');
  try {
    return bpf.progQuery(fd, abi.AttachTypeId.FLOW_DISSECTOR, 0, 1).programIds[0];
  } catch (error) {
    if (error instanceof BpfError && error.errno === Errno.EINVAL) return undefined; // kernels that cannot say
    throw error;
  } finally {
    closeSync(fd);
  }
}

function tcxOf(device: Device): TcxAttachment[] {
  const found: TcxAttachment[] = [];
  for (const [direction, attachType] of [['ingress', abi.AttachTypeId.TCX_INGRESS], ['egress', abi.AttachTypeId.TCX_EGRESS]] as const) {
    try {
      const programIds = bpf.progQuery(device.ifindex, attachType).programIds;
      if (programIds.length > 0) found.push({ ...device, direction, programIds });
    } catch (error) {
      if (!(error instanceof BpfError)) throw error; // a kernel without tcx, or a device gone
    }
  }
  return found;
}

/** Everything attached to this namespace's devices (or to `options.device`), bpftool's sections first. */
export function listNetAttachments(options: NetListOptions = {}): NetAttachments {
  const flowDissector = flowDissectorProgram();
  using netlink = new RouteNetlink();
  const devices: Device[] = [];
  const xdp: XdpAttachment[] = [];
  const links = netlink.dump(RtmType.GETLINK, linkDumpRequest(), 'RTM_GETLINK');
  const parsed = links.map((message) => {
    const view = new DataView(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    const attributes = parseAttributes(message.body, IfInfoMessage.size);
    return { ifindex: view.getInt32(IfInfoMessage.index, true), devname: attributeString(attributes.get(IflaAttribute.IFNAME)) ?? '', attributes };
  });
  let only: number | undefined;
  if (options.device !== undefined) {
    only = parsed.find((entry) => entry.devname === options.device)?.ifindex;
    if (only === undefined) throw new InvalidArgumentError(`invalid devname ${options.device}`, 'give a network device of this namespace (ip link)');
  }
  for (const entry of parsed) {
    if (only !== undefined && entry.ifindex !== only) continue;
    const device = { devname: entry.devname, ifindex: entry.ifindex };
    devices.push(device);
    const xdpAttributes = entry.attributes.get(IflaAttribute.XDP);
    const attachment = xdpAttributes ? xdpOf(device, xdpAttributes) : undefined;
    if (attachment) xdp.push(attachment);
  }
  const tc = devices.flatMap((device) => tcFiltersOf(netlink, device));
  return { xdp, tc, flowDissector, tcx: devices.flatMap(tcxOf) };
}
