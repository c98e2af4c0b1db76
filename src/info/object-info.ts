/**
 * BPF_OBJ_GET_INFO_BY_FD plumbing shared by the program, map, BTF and link decoders: the kernel writes
 * the info struct into native memory, and some members are pointers to arrays the caller sizes on a
 * second call (map ids, instructions, names). Decoders then read a plain copy, so nothing here keeps
 * native memory alive past one call.
 */
import { bpf, NativeMemory } from '../sys/index.js';

/** A pointer member of an info struct to fill on a call: where its pointer and its length live. */
export interface InfoArray {
  /** Offset of the u64 pointer member. */
  pointerOffset: number;
  /** Offset of the u32 member holding the array's length (count or bytes, as the struct defines it). */
  lengthOffset: number;
  /** The value to write into the length member. */
  length: number;
  /** Bytes to allocate for the array. */
  bytes: number;
}

export interface InfoResult {
  /** A copy of the info struct as the kernel filled it (zero beyond what an older kernel knows). */
  view: DataView;
  /** The arrays asked for, copied out, in the order requested. */
  arrays: Uint8Array[];
}

/** Calls BPF_OBJ_GET_INFO_BY_FD on `fd` with a `size`-byte struct and the given arrays. */
export function getObjectInfo(fd: number, size: number, arrays: readonly InfoArray[] = []): InfoResult {
  const info = new NativeMemory(size);
  const buffers = arrays.map((array) => new NativeMemory(Math.max(array.bytes, 1)));
  try {
    arrays.forEach((array, i) => {
      info.view.setUint32(array.lengthOffset, array.length, true);
      info.view.setBigUint64(array.pointerOffset, BigInt(buffers[i]!.address), true);
    });
    bpf.objGetInfoByFd(fd, info, size);
    const copy = info.bytes.slice(0, size);
    return {
      view: new DataView(copy.buffer),
      arrays: arrays.map((array, i) => buffers[i]!.bytes.slice(0, array.bytes)),
    };
  } finally {
    info.free();
    for (const buffer of buffers) buffer.free();
  }
}

const decoder = new TextDecoder();

/** A NUL-padded fixed-size name member (BPF_OBJ_NAME_LEN bytes). */
export function readFixedName(view: DataView, offset: number, length: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Bytes up to the first NUL. */
export function readCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** u32 ids out of a native array copy. */
export function readIds(bytes: Uint8Array, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
}
