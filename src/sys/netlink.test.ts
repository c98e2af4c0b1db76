/**
 * The netlink message layer: attributes and nests laid out as the kernel's nla_* helpers read them,
 * NLMSG_ERROR bodies (capped or with the echoed request) parsed to errno and extended-ack text, and a
 * real refused request whose error carries the kernel's own words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import {
  attribute, concatBytes, findNetworkDevice, Netlink, NetlinkError, netlinkMessage, nestedAttribute, networkOrder16, parseAttributes,
  parseNetlinkError, RouteNetlink, RtmType, s32Attribute, stringAttribute, tcRequest, u32Attribute, readTcMessage,
} from './netlink.js';

test('attributes: 4-byte headers, padding to 4, NLA_F_NESTED on nests, strings NUL-terminated', () => {
  assert.deepEqual([...u32Attribute(3, 0x01020304)], [8, 0, 3, 0, 4, 3, 2, 1]);
  assert.deepEqual([...s32Attribute(1, -1)], [8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...stringAttribute(1, 'bpf')], [8, 0, 1, 0, 0x62, 0x70, 0x66, 0]);
  assert.deepEqual([...attribute(7, new Uint8Array([9]))], [5, 0, 7, 0, 9, 0, 0, 0], 'length counts the payload, padding does not');
  const nest = nestedAttribute(43, [s32Attribute(1, 5), u32Attribute(3, 2)]);
  assert.deepEqual([...nest.subarray(0, 4)], [20, 0, 43, 0x80]);
  const parsed = parseAttributes(nest);
  assert.equal(parsed.size, 1, 'the nested flag is masked off when parsing');
  assert.deepEqual([...parseAttributes(parsed.get(43)!).keys()], [1, 3]);
  assert.deepEqual([...concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])])], [1, 2, 3]);
  assert.equal(networkOrder16(0x0003), 0x0300);
});

test('tcmsg and netlink headers: fields where the kernel reads them', () => {
  const body = tcRequest({ ifindex: 7, handle: 0xffff0000, parent: 0xfffffff1, info: (5 << 16) | 0x0300 });
  assert.deepEqual(readTcMessage(body), { ifindex: 7, handle: 0xffff0000, parent: 0xfffffff1, info: (5 << 16) | 0x0300 });
  const message = netlinkMessage(RtmType.NEWQDISC, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, 42, body);
  const view = new DataView(message.buffer);
  assert.deepEqual([view.getUint32(0, true), view.getUint16(4, true), view.getUint16(6, true), view.getUint32(8, true)], [36, 36, 5, 42]);
});

test('NLMSG_ERROR bodies: an ack, a capped error with its message and offset, an error echoing the request', () => {
  const header = (length: number) => { const bytes = new Uint8Array(16); new DataView(bytes.buffer).setUint32(0, length, true); return bytes; };
  const errno = (value: number) => { const bytes = new Uint8Array(4); new DataView(bytes.buffer).setInt32(0, -value, true); return bytes; };
  assert.deepEqual(parseNetlinkError(concatBytes([errno(0), header(16)]), Netlink.NLM_F_CAPPED), { errno: 0 });
  const tlvs = [stringAttribute(1, 'XDP program already attached'), u32Attribute(2, 28)];
  assert.deepEqual(parseNetlinkError(concatBytes([errno(16), header(40), ...tlvs]), Netlink.NLM_F_CAPPED | Netlink.NLM_F_ACK_TLVS), { errno: 16, message: 'XDP program already attached', offset: 28 });
  const echoed = concatBytes([header(22), new Uint8Array(8)]); // a 22-byte request: its payload padded to 24
  assert.deepEqual(parseNetlinkError(concatBytes([errno(22), echoed, ...tlvs]), Netlink.NLM_F_ACK_TLVS), { errno: 22, message: 'XDP program already attached', offset: 28 });
  assert.deepEqual(parseNetlinkError(concatBytes([errno(19), header(16)]), 0), { errno: 19 }, 'no TLVs without NLM_F_ACK_TLVS');
  assert.deepEqual(parseNetlinkError(new Uint8Array(2), 0), { errno: 0 }, 'a truncated body is not an error');
});

test('a refused request is a NetlinkError with the kernel\'s extended-ack text; an unknown device an InvalidArgumentError', () => {
  using netlink = new RouteNetlink();
  const lo = findNetworkDevice(netlink, 'lo');
  assert.equal(lo.name, 'lo');
  assert.equal(findNetworkDevice(netlink, lo.ifindex).name, 'lo');
  assert.throws(() => findNetworkDevice(netlink, 'tsbpf-nodev0'), InvalidArgumentError);
  // a clsact qdisc under a parent that does not exist: refused with words
  assert.throws(() => netlink.request(RtmType.NEWQDISC, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL,
    tcRequest({ ifindex: lo.ifindex, handle: 0x10000, parent: 0x20001 }, [stringAttribute(1, 'clsact')])), (error: unknown) => {
    assert.ok(error instanceof NetlinkError, String(error));
    assert.equal(error.request, 'RTM_NEWQDISC');
    assert.ok(error.errno > 0);
    assert.ok((error.kernelMessage ?? '').length > 0, `the kernel said why: ${error.message}`);
    assert.ok(error.message.endsWith(error.kernelMessage!), error.message);
    return true;
  });
});
