/**
 * A minimal BTF blob for the local-storage maps (sk, inode, task, cgrp), which the kernel creates only
 * with BTF: an `int` key and a struct value of the map's value size. Written by hand here because the
 * BTF writer belongs to a later layer; the format is include/uapi/linux/btf.h.
 */
import { bpf, NativeMemory, FileDescriptor } from '../sys/index.js';
import { BpfError } from '../errors.js';

const BTF_MAGIC = 0xeb9f;
const HEADER_SIZE = 24;
const Kind = { INT: 1, ARRAY: 3, STRUCT: 4 } as const;
const INT_SIGNED = 1 << 24;

export interface StorageBtf {
  fd: FileDescriptor;
  keyTypeId: number;
  valueTypeId: number;
}

/** Type ids in the blob below. */
const INT_ID = 1;
const CHAR_ID = 2;
const ARRAY_ID = 3;
const STRUCT_ID = 4;

/** Encodes: [1] int, [2] unsigned char, [3] char[valueSize], [4] struct storage_value { char data[valueSize]; }. */
export function encodeStorageBtf(valueSize: number): Uint8Array {
  const strings = ['', 'int', 'char', 'data', 'storage_value'];
  const offsets = new Map<string, number>();
  let stringLength = 0;
  for (const s of strings) { offsets.set(s, stringLength); stringLength += s.length + 1; }
  const nameOf = (s: string): number => offsets.get(s) ?? 0;
  const info = (kind: number, vlen = 0): number => ((kind << 24) | vlen) >>> 0;

  const words: number[] = [
    nameOf('int'), info(Kind.INT), 4, INT_SIGNED | 32,
    nameOf('char'), info(Kind.INT), 1, 8,
    0, info(Kind.ARRAY), 0, CHAR_ID, INT_ID, valueSize,
    nameOf('storage_value'), info(Kind.STRUCT, 1), valueSize, nameOf('data'), ARRAY_ID, 0,
  ];
  const typeLength = words.length * 4;
  const blob = new Uint8Array(HEADER_SIZE + typeLength + stringLength);
  const view = new DataView(blob.buffer);
  view.setUint16(0, BTF_MAGIC, true);
  view.setUint8(2, 1); // version
  view.setUint32(4, HEADER_SIZE, true);
  view.setUint32(8, 0, true); // type_off
  view.setUint32(12, typeLength, true);
  view.setUint32(16, typeLength, true); // str_off
  view.setUint32(20, stringLength, true);
  words.forEach((word, i) => view.setUint32(HEADER_SIZE + i * 4, word, true));
  const encoder = new TextEncoder();
  for (const s of strings) blob.set(encoder.encode(s), HEADER_SIZE + typeLength + nameOf(s));
  return blob;
}

/** Loads the blob; the caller closes `fd` once the map exists (the map keeps its own reference). */
export function loadStorageBtf(valueSize: number): StorageBtf {
  const blob = encodeStorageBtf(valueSize);
  const memory = new NativeMemory(blob.length);
  const log = new NativeMemory(4096);
  try {
    memory.bytes.set(blob);
    const { result } = bpf.btfLoad(memory, blob.length, log);
    if (result < 0) {
      const text = new TextDecoder().decode(log.bytes.subarray(0, log.bytes.indexOf(0))).trim();
      throw new BpfError('BTF_LOAD', -result, '', `storage map BTF: ${text.split('\n').at(-1) ?? ''}`);
    }
    return { fd: new FileDescriptor(result, 'BTF'), keyTypeId: INT_ID, valueTypeId: STRUCT_ID };
  } finally {
    memory.free();
    log.free();
  }
}
