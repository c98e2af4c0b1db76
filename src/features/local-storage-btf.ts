/**
 * The smallest BTF the kernel accepts for a local-storage map (sk/inode/task/cgrp storage): those
 * maps must be created with BTF for key and value, the key an `int`. This encodes two INT types by
 * hand: [1] `int` (4 bytes, signed) for the key and [2] `long long` (8 bytes) for the value. Until
 * the btf layer has a writer, this is the only BTF tsbpf produces.
 */
import { BtfKind } from './vmlinux-btf.js';

const HEADER_LENGTH = 24;
const BTF_INT_SIGNED = 1;

export const STORAGE_KEY_TYPE_ID = 1;
export const STORAGE_VALUE_TYPE_ID = 2;
export const STORAGE_VALUE_SIZE = 8;

export function localStorageBtf(): Uint8Array {
  const strings = new TextEncoder().encode('\0int\0long long\0');
  const intName = 1;
  const longName = 5;
  // Each INT is a 12-byte btf_type plus one u32: encoding << 24 | offset << 16 | bits.
  const types = [
    intName, BtfKind.INT << 24, 4, (BTF_INT_SIGNED << 24) | 32,
    longName, BtfKind.INT << 24, STORAGE_VALUE_SIZE, (BTF_INT_SIGNED << 24) | 64,
  ];
  const typeBytes = types.length * 4;
  const blob = new Uint8Array(HEADER_LENGTH + typeBytes + strings.length);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, true); // magic
  view.setUint8(2, 1); // version
  view.setUint8(3, 0); // flags
  view.setUint32(4, HEADER_LENGTH, true);
  view.setUint32(8, 0, true); // type_off
  view.setUint32(12, typeBytes, true); // type_len
  view.setUint32(16, typeBytes, true); // str_off
  view.setUint32(20, strings.length, true); // str_len
  types.forEach((word, i) => view.setUint32(HEADER_LENGTH + i * 4, word >>> 0, true));
  blob.set(strings, HEADER_LENGTH + typeBytes);
  return blob;
}
