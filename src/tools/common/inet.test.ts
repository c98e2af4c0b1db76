/**
 * Address text against the C library's own inet_ntop (Python's socket.inet_ntop calls it), over the
 * shapes that decide the format: zero runs of every length and place, ties, IPv4-mapped and -compatible
 * forms, and random addresses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { formatAddress, formatIpv4, formatIpv6, parsePortList, tcpStateName, AF_INET, AF_INET6 } from './inet.js';
import { ToolUsageError } from './tool.js';

function libcInetNtop(addresses: Uint8Array[]): string[] | undefined {
  const script = 'import socket,sys\nfor h in sys.stdin.read().split():\n    print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)))';
  try {
    return execFileSync('python3', ['-c', script], { input: addresses.map((a) => Buffer.from(a).toString('hex')).join('\n'), encoding: 'utf8' }).trim().split('\n');
  } catch {
    return undefined;
  }
}

function groups(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => { bytes[2 * i] = word >> 8; bytes[2 * i + 1] = word & 0xff; });
  return bytes;
}

test('formatIpv6 prints what the C library\'s inet_ntop prints', (t) => {
  const cases = [
    groups(0, 0, 0, 0, 0, 0, 0, 0), groups(0, 0, 0, 0, 0, 0, 0, 1), groups(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1),
    groups(0, 0, 0, 0, 0, 0, 0x7f00, 1), groups(0, 0, 0, 0, 0, 0, 0, 0x100), groups(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1),
    groups(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1), groups(0x2001, 0, 0, 0, 0, 0, 0, 0), groups(1, 0, 2, 0, 3, 0, 4, 0),
    groups(0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0), groups(0, 0, 1, 0, 0, 0, 0, 0), groups(0, 0, 0, 0, 0, 0xfffe, 1, 2),
    groups(0, 0, 0, 0, 1, 0xffff, 1, 2), groups(0, 0, 0, 0, 0, 0, 0, 2),
  ];
  for (let i = 0; i < 200; i++) {
    const bytes = randomBytes(16);
    for (let g = 0; g < 8; g++) if (bytes[g]! & 1) { bytes[2 * g] = 0; bytes[2 * g + 1] = 0; }
    cases.push(new Uint8Array(bytes));
  }
  const expected = libcInetNtop(cases);
  if (!expected) return t.skip('python3 is not here to run the C library\'s inet_ntop');
  assert.deepEqual(cases.map((bytes) => formatIpv6(bytes)), expected);
});

test('formatAddress picks the family; IPv4 reads the first four bytes', () => {
  assert.equal(formatIpv4([192, 168, 0, 1]), '192.168.0.1');
  assert.equal(formatAddress(AF_INET, new Uint8Array([127, 0, 0, 1, 9, 9, 9, 9])), '127.0.0.1');
  assert.equal(formatAddress(AF_INET6, groups(0, 0, 0, 0, 0, 0, 0, 1)), '::1');
});

test('parsePortList takes 1-65535 comma-separated, with the tool\'s message otherwise; state names', () => {
  assert.deepEqual(parsePortList('80,443,80', 'Invalid ports'), [80, 443]);
  assert.equal(parsePortList(undefined, 'Invalid ports'), undefined);
  for (const bad of ['', '0', '65536', '80,', 'x', '1.5', '-1']) {
    assert.throws(() => parsePortList(bad, 'Invalid ports'), (error: unknown) => error instanceof ToolUsageError && error.message === `Invalid ports: ${bad}`);
  }
  assert.throws(() => parsePortList('1,2,3', 'too many', 2), ToolUsageError);
  assert.deepEqual([1, 2, 7, 10, 12, 99].map(tcpStateName), ['ESTABLISHED', 'SYN_SENT', 'CLOSE', 'LISTEN', 'NEW_SYN_RECV', 'UNKNOWN']);
});
