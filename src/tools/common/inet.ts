/**
 * What the TCP tools share: addresses printed as inet_ntop(3) prints them (so columns match libbpf-tools
 * byte for byte), the kernel's TCP state names, and comma-separated port lists.
 */
import { ToolUsageError } from './tool.js';

/** Address families as the kernel numbers them (include/linux/socket.h). */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** TCP states by number (include/net/tcp_states.h), with the names libbpf-tools prints. */
export const TCP_STATE_NAMES: readonly string[] = [
  'UNKNOWN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV', 'BOUND_INACTIVE',
];

export function tcpStateName(state: number): string {
  return TCP_STATE_NAMES[state] ?? 'UNKNOWN';
}

/** Dotted quad of the first four bytes (network order, as the kernel stores them). */
export function formatIpv4(bytes: ArrayLike<number>, at = 0): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * RFC 5952 text of 16 bytes, following glibc's inet_ntop: the longest run of two or more zero groups
 * (the first of equal runs) becomes `::`, groups in lowercase hex, and the IPv4-mapped (`::ffff:a.b.c.d`)
 * and IPv4-compatible (`::a.b.c.d`) forms end in a dotted quad.
 */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength && end - i >= 2) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength) {
      if (i === bestStart) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (i === 6 && bestStart === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff))) {
      return text + formatIpv4(bytes, 12);
    }
    text += groups[i]!.toString(16);
  }
  if (bestStart >= 0 && bestStart + bestLength === 8) text += ':';
  return text;
}

/** inet_ntop(family, bytes): IPv4 from the first four bytes, IPv6 from sixteen. */
export function formatAddress(family: number, bytes: ArrayLike<number>): string {
  return family === AF_INET ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** The IP version column (4 or 6) of a family. */
export function ipVersion(family: number): 4 | 6 {
  return family === AF_INET ? 4 : 6;
}

/**
 * A comma-separated list of ports (1-65535, at most `max`), as the TCP tools' -P/-L/-D take it; throws
 * ToolUsageError with `message` (the tool's own wording, e.g. `invalid PORT_LIST: 80,x`).
 */
export function parsePortList(value: string | true | undefined, message: string, max = 64): number[] | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const parts = text.split(',');
  const ports = parts.map((part) => (/^\s*\+?\d+$/.test(part) ? Number(part) : NaN));
  if (ports.length > max || ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new ToolUsageError(`${message}: ${text}`);
  }
  return [...new Set(ports)];
}

/** A u16 map key (host order on this little- or big-endian machine, as the BPF side compares it). */
export function u16Key(value: number): Uint8Array {
  const key = new Uint8Array(2);
  new DataView(key.buffer).setUint16(0, value, littleEndian());
  return key;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
