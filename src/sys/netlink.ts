/**
 * rtnetlink requests `net list` needs, over a NETLINK_ROUTE socket: dumps of links (with their XDP
 * attributes), qdiscs, classes and tc filters. Messages are plain bytes in and attribute tables out;
 * what the attributes mean is the inspect layer's business.
 *
 * Constants are from include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, pkt_sched.h and socket.h
 * (non-BPF headers the generated ABI does not read).
 */
import { SystemError } from '../errors.js';
import { close, lastErrno, NativeMemory, recv, send, socket } from './ffi.js';

export const Netlink = {
  AF_NETLINK: 16, AF_UNSPEC: 0, AF_PACKET: 17, SOCK_RAW: 3, SOCK_CLOEXEC: 0o2000000, NETLINK_ROUTE: 0,
  NLM_F_REQUEST: 0x1, NLM_F_MULTI: 0x2, NLM_F_DUMP: 0x300, NLMSG_ERROR: 2, NLMSG_DONE: 3,
  HEADER_SIZE: 16, ATTRIBUTE_HEADER_SIZE: 4, NLA_TYPE_MASK: 0x3fff,
} as const;

export const RtmType = { GETLINK: 18, GETQDISC: 38, GETTCLASS: 42, GETTFILTER: 46 } as const;

/** `struct ifinfomsg` and `struct tcmsg` sizes and members. */
export const IfInfoMessage = { family: 0, type: 2, index: 4, flags: 8, change: 12, size: 16 } as const;
export const TcMessage = { family: 0, ifindex: 4, handle: 8, parent: 12, info: 16, size: 20 } as const;

/** Attribute types: IFLA_* (links), IFLA_XDP_* (nested in IFLA_XDP), TCA_* and TCA_BPF_* / TCA_ACT_* (tc). */
export const IflaAttribute = { IFNAME: 3, XDP: 43 } as const;
export const IflaXdpAttribute = { FD: 1, ATTACHED: 2, FLAGS: 3, PROG_ID: 4, DRV_PROG_ID: 5, SKB_PROG_ID: 6, HW_PROG_ID: 7 } as const;
export const XdpAttached = { NONE: 0, DRV: 1, SKB: 2, HW: 3, MULTI: 4 } as const;
export const TcaAttribute = { KIND: 1, OPTIONS: 2 } as const;
export const TcaBpfAttribute = { ACT: 1, NAME: 7, ID: 11 } as const;
export const TcaActAttribute = { KIND: 1, OPTIONS: 2, MAX_PRIO: 32 } as const;
export const TcaActBpfAttribute = { PARMS: 2, NAME: 6, ID: 9 } as const;
/** tc handles: TC_H_ROOT, and the clsact qdisc's ingress and egress parents (TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_*)). */
export const TcHandle = { ROOT: 0xffffffff, CLSACT_INGRESS: 0xfffffff2, CLSACT_EGRESS: 0xfffffff3 } as const;

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
  }

  /**
   * Sends a dump request of `type` with `body` (an ifinfomsg or tcmsg) and collects every reply up to
   * NLMSG_DONE. A netlink error reply becomes a SystemError naming the request.
   */
  dump(type: number, body: Uint8Array, what: string): NetlinkMessage[] {
    sequence = (sequence + 1) >>> 0;
    const seq = sequence;
    const request = new NativeMemory(Netlink.HEADER_SIZE + body.length);
    try {
      const v = request.view;
      v.setUint32(0, Netlink.HEADER_SIZE + body.length, true);
      v.setUint16(4, type, true);
      v.setUint16(6, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP, true);
      v.setUint32(8, seq, true);
      request.bytes.set(body, Netlink.HEADER_SIZE);
      if (send(this.#fd, request.address, Netlink.HEADER_SIZE + body.length, 0) < 0) throw new SystemError(`send(${what})`, lastErrno());
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
        const messageSeq = view.getUint32(offset + 8, true);
        if (messageSeq === seq) {
          if (messageType === Netlink.NLMSG_DONE) return messages;
          if (messageType === Netlink.NLMSG_ERROR) {
            const error = -view.getInt32(offset + Netlink.HEADER_SIZE, true);
            if (error === 0) return messages;
            throw new SystemError(what, error);
          }
          messages.push({ type: messageType, body: bytes.slice(offset + Netlink.HEADER_SIZE, offset + messageLength) });
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
