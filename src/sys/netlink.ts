/**
 * rtnetlink over a NETLINK_ROUTE socket: the dumps `net list` needs (links with their XDP attributes,
 * qdiscs, classes, tc filters) and the requests that attach programs the legacy way (RTM_SETLINK with
 * IFLA_XDP, clsact qdiscs and cls_bpf filters). Messages are plain bytes in and attribute tables out;
 * what the attributes mean is the link and inspect layers' business. A refused request becomes a
 * NetlinkError carrying the errno and the kernel's extended-ack text ("XDP program already attached").
 *
 * Constants are from include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, pkt_sched.h, pkt_cls.h,
 * if_ether.h and socket.h (non-BPF headers the generated ABI does not read).
 */
import { Errno, InvalidArgumentError, SystemError } from '../errors.js';
import { close, lastErrno, NativeMemory, recv, send, setsockopt, socket } from './ffi.js';

export const Netlink = {
  AF_NETLINK: 16, AF_UNSPEC: 0, AF_PACKET: 17, SOCK_RAW: 3, SOCK_CLOEXEC: 0o2000000, NETLINK_ROUTE: 0,
  NLM_F_REQUEST: 0x1, NLM_F_MULTI: 0x2, NLM_F_ACK: 0x4, NLM_F_ECHO: 0x8, NLM_F_DUMP: 0x300,
  /** Modifiers of NEW requests. */
  NLM_F_REPLACE: 0x100, NLM_F_EXCL: 0x200, NLM_F_CREATE: 0x400,
  /** Flags of an NLMSG_ERROR reply: the request was not echoed back whole / TLVs follow it. */
  NLM_F_CAPPED: 0x100, NLM_F_ACK_TLVS: 0x200,
  NLMSG_ERROR: 2, NLMSG_DONE: 3,
  HEADER_SIZE: 16, ATTRIBUTE_HEADER_SIZE: 4, NLA_TYPE_MASK: 0x3fff, NLA_F_NESTED: 0x8000,
  /** setsockopt(SOL_NETLINK, ...): extended acks (error text) and acks without the echoed request. */
  SOL_NETLINK: 270, NETLINK_CAP_ACK: 10, NETLINK_EXT_ACK: 11,
} as const;

/** NLMSGERR_ATTR_*: the TLVs after an extended ack's `struct nlmsgerr`. */
export const NetlinkErrorAttribute = { MSG: 1, OFFS: 2 } as const;

export const RtmType = {
  NEWLINK: 16, DELLINK: 17, GETLINK: 18, SETLINK: 19, NEWQDISC: 36, DELQDISC: 37, GETQDISC: 38, GETTCLASS: 42,
  NEWTFILTER: 44, DELTFILTER: 45, GETTFILTER: 46,
} as const;

/** The rtnetlink message type names, for errors. */
const RTM_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(RtmType).map(([name, value]) => [value, `RTM_${name}`]));

/** `struct ifinfomsg` and `struct tcmsg` sizes and members. */
export const IfInfoMessage = { family: 0, type: 2, index: 4, flags: 8, change: 12, size: 16 } as const;
export const TcMessage = { family: 0, ifindex: 4, handle: 8, parent: 12, info: 16, size: 20 } as const;

/** Attribute types: IFLA_* (links), IFLA_XDP_* (nested in IFLA_XDP), TCA_* and TCA_BPF_* / TCA_ACT_* (tc). */
export const IflaAttribute = { IFNAME: 3, LINKINFO: 18, NET_NS_FD: 28, XDP: 43 } as const;
/** IFLA_INFO_* (nested in IFLA_LINKINFO): the device kind (`veth`, `netkit`) and its kind-specific attributes. */
export const IflaInfoAttribute = { KIND: 1, DATA: 2 } as const;
/**
 * IFLA_NETKIT_* (nested in IFLA_INFO_DATA of a netkit device, 6.7+): the peer's own ifinfomsg and attributes,
 * whether this end is the primary, the default verdicts when no program decides, and L2/L3 mode.
 */
export const IflaNetkitAttribute = { PEER_INFO: 1, PRIMARY: 2, POLICY: 3, PEER_POLICY: 4, MODE: 5 } as const;
/** enum netkit_mode and the policies (NETKIT_PASS = TC_ACT_OK, NETKIT_DROP = TC_ACT_SHOT) of if_link.h. */
export const NetkitMode = { L2: 0, L3: 1 } as const;
export const NetkitPolicy = { PASS: 0, DROP: 2 } as const;
export const IflaXdpAttribute = { FD: 1, ATTACHED: 2, FLAGS: 3, PROG_ID: 4, DRV_PROG_ID: 5, SKB_PROG_ID: 6, HW_PROG_ID: 7, EXPECTED_FD: 8 } as const;
export const XdpAttached = { NONE: 0, DRV: 1, SKB: 2, HW: 3, MULTI: 4 } as const;
/** XDP_FLAGS_* of IFLA_XDP_FLAGS (if_link.h): fail if one is attached, the three modes, replace only `expected`. */
export const XdpFlag = { UPDATE_IF_NOEXIST: 1 << 0, SKB_MODE: 1 << 1, DRV_MODE: 1 << 2, HW_MODE: 1 << 3, REPLACE: 1 << 4 } as const;
export const TcaAttribute = { KIND: 1, OPTIONS: 2 } as const;
/** TCA_BPF_* (pkt_cls.h), nested in TCA_OPTIONS of a `bpf` filter. */
export const TcaBpfAttribute = { ACT: 1, FD: 6, NAME: 7, FLAGS: 8, ID: 11 } as const;
/** TCA_BPF_FLAG_ACT_DIRECT: the program's return value is the tc action (`tc ... bpf da`). */
export const TcaBpfFlag = { ACT_DIRECT: 1 } as const;
export const TcaActAttribute = { KIND: 1, OPTIONS: 2, MAX_PRIO: 32 } as const;
export const TcaActBpfAttribute = { PARMS: 2, NAME: 6, ID: 9 } as const;
/**
 * tc handles: TC_H_ROOT; the clsact qdisc's parent (TC_H_CLSACT, the same as TC_H_INGRESS) and handle
 * (TC_H_MAKE(TC_H_CLSACT, 0)), and its ingress and egress parents (TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_*)).
 */
export const TcHandle = { ROOT: 0xffffffff, CLSACT: 0xfffffff1, CLSACT_QDISC: 0xffff0000, CLSACT_INGRESS: 0xfffffff2, CLSACT_EGRESS: 0xfffffff3 } as const;
/** ETH_P_ALL (if_ether.h): a filter for every protocol; tcm_info holds it in network byte order. */
export const EthernetProtocol = { ALL: 0x0003 } as const;

/**
 * The kernel refused a netlink request. `errno` says how; `kernelMessage` is the kernel's own words
 * from the extended ack (NLMSGERR_ATTR_MSG), when it gave any.
 */
export class NetlinkError extends SystemError {
  /** The request: `RTM_SETLINK`, `RTM_NEWTFILTER`. */
  readonly request: string;
  readonly kernelMessage: string | undefined;
  constructor(request: string, errno: number, kernelMessage: string | undefined, hint = '') {
    super(request, errno, hint, kernelMessage ?? '');
    this.request = request;
    this.kernelMessage = kernelMessage;
  }
}

/**
 * Something is already attached where a request asked not to replace it; `existingProgramId` (and its
 * name, when it could be read) say which program, so the caller can decide to replace or detach it.
 */
export class AlreadyAttachedError extends NetlinkError {
  readonly existingProgramId: number | undefined;
  readonly existingProgramName: string | undefined;
  constructor(cause: NetlinkError, where: string, existing: { id: number; name?: string } | undefined, hint: string) {
    super(cause.request, cause.errno, cause.kernelMessage, hint);
    const program = existing ? `program ${existing.id}${existing.name ? ` (${existing.name})` : ''}` : 'a program';
    this.message = `${where}: ${program} is already attached (${cause.message})`;
    this.existingProgramId = existing?.id;
    this.existingProgramName = existing?.name;
  }
}

/** One message of a dump: its type and the bytes after the netlink header. */
export interface NetlinkMessage {
  type: number;
  body: Uint8Array;
}

const RECEIVE_BUFFER = 64 * 1024;
let sequence = Math.floor(Date.now() / 1000) >>> 0;

/** A NETLINK_ROUTE socket; close it (or `using` it) when done. */
export class RouteNetlink implements Disposable {
  readonly #fd: number;
  readonly #buffer = new NativeMemory(RECEIVE_BUFFER);
  #closed = false;

  constructor() {
    const fd = socket(Netlink.AF_NETLINK, Netlink.SOCK_RAW | Netlink.SOCK_CLOEXEC, Netlink.NETLINK_ROUTE);
    if (fd < 0) {
      const errno = lastErrno();
      this.#buffer.free();
      throw new SystemError('socket(AF_NETLINK)', errno, 'netlink sockets need Linux with NETLINK_ROUTE');
    }
    this.#fd = fd;
    // Both are best effort: a kernel without them (before 4.12) still answers, with errno only.
    this.#enable(Netlink.NETLINK_EXT_ACK);
    this.#enable(Netlink.NETLINK_CAP_ACK);
  }

  #enable(option: number): void {
    const one = new NativeMemory(4);
    try {
      one.view.setUint32(0, 1, true);
      setsockopt(this.#fd, Netlink.SOL_NETLINK, option, one.address, 4);
    } finally {
      one.free();
    }
  }

  /**
   * Sends a dump request of `type` with `body` (an ifinfomsg or tcmsg) and collects every reply up to
   * NLMSG_DONE. A netlink error reply becomes a NetlinkError naming the request.
   */
  dump(type: number, body: Uint8Array, what: string): NetlinkMessage[] {
    return this.#exchange(netlinkMessage(type, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP, this.#nextSequence(), body), what);
  }

  /**
   * Sends one request of `type` (`flags` beside NLM_F_REQUEST|NLM_F_ACK: CREATE, EXCL, REPLACE, ECHO)
   * with `body` (the fixed header and its attributes) and waits for its ack; returns the replies that
   * came before it (a GET's answer, an ECHO's copy). A refusal throws NetlinkError with the kernel's text.
   */
  request(type: number, flags: number, body: Uint8Array, what = RTM_NAMES[type] ?? `netlink request ${type}`): NetlinkMessage[] {
    return this.#exchange(netlinkMessage(type, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK | flags, this.#nextSequence(), body), what);
  }

  #nextSequence(): number {
    sequence = (sequence + 1) >>> 0;
    return sequence;
  }

  #exchange(message: Uint8Array, what: string): NetlinkMessage[] {
    const seq = new DataView(message.buffer, message.byteOffset).getUint32(8, true);
    const request = new NativeMemory(message.length);
    try {
      request.bytes.set(message);
      if (send(this.#fd, request.address, message.length, 0) < 0) throw new SystemError(`send(${what})`, lastErrno());
    } finally {
      request.free();
    }
    const messages: NetlinkMessage[] = [];
    for (;;) {
      const length = recv(this.#fd, this.#buffer.address, RECEIVE_BUFFER, 0);
      if (length < 0) throw new SystemError(`recv(${what})`, lastErrno());
      const bytes = this.#buffer.bytes.slice(0, Math.min(length, RECEIVE_BUFFER));
      const view = new DataView(bytes.buffer);
      for (let offset = 0; offset + Netlink.HEADER_SIZE <= bytes.length;) {
        const messageLength = view.getUint32(offset, true);
        if (messageLength < Netlink.HEADER_SIZE || offset + messageLength > bytes.length) break;
        const messageType = view.getUint16(offset + 4, true);
        const messageFlags = view.getUint16(offset + 6, true);
        const messageSeq = view.getUint32(offset + 8, true);
        if (messageSeq === seq) {
          if (messageType === Netlink.NLMSG_DONE) return messages;
          const body = bytes.slice(offset + Netlink.HEADER_SIZE, offset + messageLength);
          if (messageType === Netlink.NLMSG_ERROR) {
            const error = parseNetlinkError(body, messageFlags);
            if (error.errno === 0) return messages;
            throw new NetlinkError(what, error.errno, error.message);
          }
          messages.push({ type: messageType, body });
        }
        offset += (messageLength + 3) & ~3;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    close(this.#fd);
    this.#buffer.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A whole netlink message: the 16-byte header (length, type, flags, sequence, port 0) and `body`. */
export function netlinkMessage(type: number, flags: number, seq: number, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(Netlink.HEADER_SIZE + body.length);
  const view = new DataView(message.buffer);
  view.setUint32(0, message.length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, seq, true);
  message.set(body, Netlink.HEADER_SIZE);
  return message;
}

/**
 * An NLMSG_ERROR body (`struct nlmsgerr`: the negative errno, then the request's header, then, unless
 * NLM_F_CAPPED, the request's payload) and, with NLM_F_ACK_TLVS, the extended ack after it. errno 0 is an ack.
 */
export function parseNetlinkError(body: Uint8Array, flags: number): { errno: number; message?: string; offset?: number } {
  if (body.length < 4) return { errno: 0 };
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const errno = -view.getInt32(0, true) || 0; // not -0 for an ack
  if (!(flags & Netlink.NLM_F_ACK_TLVS) || body.length < 4 + Netlink.HEADER_SIZE) return { errno };
  const echoedLength = flags & Netlink.NLM_F_CAPPED ? Netlink.HEADER_SIZE : view.getUint32(4, true);
  const tlvs = parseAttributes(body, 4 + ((echoedLength + 3) & ~3));
  const result: { errno: number; message?: string; offset?: number } = { errno };
  const message = attributeString(tlvs.get(NetlinkErrorAttribute.MSG));
  const offset = attributeU32(tlvs.get(NetlinkErrorAttribute.OFFS));
  if (message) result.message = message;
  if (offset !== undefined) result.offset = offset;
  return result;
}

/** Attributes (type → payload) from `offset` to the end of `bytes`; a repeated type keeps the first. */
export function parseAttributes(bytes: Uint8Array, offset = 0): Map<number, Uint8Array> {
  const attributes = new Map<number, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (offset + Netlink.ATTRIBUTE_HEADER_SIZE <= bytes.length) {
    const length = view.getUint16(offset, true);
    if (length < Netlink.ATTRIBUTE_HEADER_SIZE || offset + length > bytes.length) break;
    const type = view.getUint16(offset + 2, true) & Netlink.NLA_TYPE_MASK;
    if (!attributes.has(type)) attributes.set(type, bytes.subarray(offset + Netlink.ATTRIBUTE_HEADER_SIZE, offset + length));
    offset += (length + 3) & ~3;
  }
  return attributes;
}

export function attributeU8(value: Uint8Array | undefined): number | undefined {
  return value && value.length >= 1 ? value[0] : undefined;
}

export function attributeU32(value: Uint8Array | undefined): number | undefined {
  return value && value.length >= 4 ? new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true) : undefined;
}

export function attributeString(value: Uint8Array | undefined): string | undefined {
  if (!value) return undefined;
  const end = value.indexOf(0);
  return new TextDecoder().decode(end < 0 ? value : value.subarray(0, end));
}

/** An ifinfomsg asking for every link (the family libbpf asks with). */
export function linkDumpRequest(): Uint8Array {
  const body = new Uint8Array(IfInfoMessage.size);
  body[IfInfoMessage.family] = Netlink.AF_PACKET;
  return body;
}

/** A tcmsg for qdisc, class and filter dumps of `ifindex` under `parent`. */
export function tcDumpRequest(ifindex: number, parent = 0): Uint8Array {
  const body = new Uint8Array(TcMessage.size);
  const view = new DataView(body.buffer);
  body[TcMessage.family] = Netlink.AF_UNSPEC;
  view.setInt32(TcMessage.ifindex, ifindex, true);
  view.setUint32(TcMessage.parent, parent, true);
  return body;
}

/** One attribute: its 4-byte header, `payload`, and padding to 4 bytes. */
export function attribute(type: number, payload: Uint8Array): Uint8Array {
  const length = Netlink.ATTRIBUTE_HEADER_SIZE + payload.length;
  const bytes = new Uint8Array((length + 3) & ~3);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, length, true);
  view.setUint16(2, type, true);
  bytes.set(payload, Netlink.ATTRIBUTE_HEADER_SIZE);
  return bytes;
}

export function u32Attribute(type: number, value: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, value >>> 0, true);
  return attribute(type, payload);
}

export function s32Attribute(type: number, value: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setInt32(0, value, true);
  return attribute(type, payload);
}

/** A NUL-terminated string attribute. */
export function stringAttribute(type: number, value: string): Uint8Array {
  const text = new TextEncoder().encode(value);
  const payload = new Uint8Array(text.length + 1);
  payload.set(text);
  return attribute(type, payload);
}

/** An attribute holding `children`, marked NLA_F_NESTED as the kernel's strict parsing wants. */
export function nestedAttribute(type: number, children: readonly Uint8Array[]): Uint8Array {
  return attribute(type | Netlink.NLA_F_NESTED, concatBytes(children));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** An ifinfomsg for one link (`index`, 0 with an IFLA_IFNAME attribute to ask by name), then `attributes`. */
export function linkRequest(index: number, attributes: readonly Uint8Array[] = []): Uint8Array {
  return concatBytes([ifInfoMessage(index), ...attributes]);
}

/** A bare ifinfomsg (family AF_UNSPEC): the head of link requests, and of a netkit or veth peer's info. */
export function ifInfoMessage(index = 0): Uint8Array {
  const header = new Uint8Array(IfInfoMessage.size);
  header[IfInfoMessage.family] = Netlink.AF_UNSPEC;
  new DataView(header.buffer).setInt32(IfInfoMessage.index, index, true);
  return header;
}

/** A tcmsg (`info`: a filter's priority << 16 | protocol in network byte order), then `attributes`. */
export function tcRequest(fields: { ifindex: number; handle: number; parent: number; info?: number }, attributes: readonly Uint8Array[] = []): Uint8Array {
  const header = new Uint8Array(TcMessage.size);
  const view = new DataView(header.buffer);
  header[TcMessage.family] = Netlink.AF_UNSPEC;
  view.setInt32(TcMessage.ifindex, fields.ifindex, true);
  view.setUint32(TcMessage.handle, fields.handle >>> 0, true);
  view.setUint32(TcMessage.parent, fields.parent >>> 0, true);
  view.setUint32(TcMessage.info, (fields.info ?? 0) >>> 0, true);
  return concatBytes([header, ...attributes]);
}

/** A tcmsg's fixed fields, read back from a reply. */
export function readTcMessage(body: Uint8Array): { ifindex: number; handle: number; parent: number; info: number } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    ifindex: view.getInt32(TcMessage.ifindex, true),
    handle: view.getUint32(TcMessage.handle, true),
    parent: view.getUint32(TcMessage.parent, true),
    info: view.getUint32(TcMessage.info, true),
  };
}

/** A 16-bit value in network byte order, as tcm_info's protocol half holds it. */
export function networkOrder16(value: number): number {
  return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
}

/** A network device of this network namespace, found by the kernel (not /sys, which may be another namespace's). */
export interface NetworkDevice {
  ifindex: number;
  name: string;
  /** Its IFLA_* attributes, as RTM_GETLINK answered. */
  attributes: Map<number, Uint8Array>;
}

/** `iface` (a name or an ifindex) looked up with RTM_GETLINK; an unknown one is an InvalidArgumentError. */
export function findNetworkDevice(netlink: RouteNetlink, iface: string | number): NetworkDevice {
  if (typeof iface === 'number' && (!Number.isInteger(iface) || iface <= 0)) {
    throw new InvalidArgumentError(`interface index ${iface} is not a positive integer`);
  }
  const request = typeof iface === 'number' ? linkRequest(iface) : linkRequest(0, [stringAttribute(IflaAttribute.IFNAME, iface)]);
  let replies: NetlinkMessage[];
  try {
    replies = netlink.request(RtmType.GETLINK, 0, request);
  } catch (error) {
    if (error instanceof NetlinkError && (error.errno === Errno.ENODEV || error.errno === Errno.EINVAL || error.errno === Errno.ERANGE)) {
      throw new InvalidArgumentError(`no network device ${typeof iface === 'number' ? 'has index' : 'named'} ${iface} in this network namespace`, 'list the devices with ip link (or tsbpf net list)');
    }
    throw error;
  }
  const reply = replies[0];
  if (!reply || reply.body.length < IfInfoMessage.size) throw new SystemError('RTM_GETLINK', Errno.EINVAL, '', 'the kernel answered without the link');
  const attributes = parseAttributes(reply.body, IfInfoMessage.size);
  return {
    ifindex: new DataView(reply.body.buffer, reply.body.byteOffset).getInt32(IfInfoMessage.index, true),
    name: attributeString(attributes.get(IflaAttribute.IFNAME)) ?? String(iface),
    attributes,
  };
}
