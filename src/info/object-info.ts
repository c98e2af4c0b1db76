/**
 * BPF_OBJ_GET_INFO_BY_FD plumbing shared by the program, map, BTF and link decoders: the kernel writes
 * the info struct into native memory, and some members are pointers to arrays the caller sizes on a
 * second call (map ids, instructions, names). Decoders then read a plain copy; the native memory is one
 * scratch region reused by every call (large one-off arrays, like a BTF blob, get their own and free it).
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
  /** Arrays of records (func_info, line_info) also need the record size the caller expects written in. */
  recordSize?: { offset: number; value: number };
}

export interface InfoResult {
  /** A copy of the info struct as the kernel filled it (zero beyond what an older kernel knows). */
  view: DataView;
  /** The arrays asked for, copied out, in the order requested. */
  arrays: Uint8Array[];
}

/**
 * Native scratch memory reused by every call: the struct, then the arrays one after another. A listing
 * makes hundreds of info calls, and a fresh native allocation per call cost more than the syscall.
 * Safe to share because a call is synchronous and copies everything out before returning.
 */
let scratch = new NativeMemory(1024);
/** Above this a call allocates for itself, so one BTF blob does not pin megabytes for the process's life. */
const SCRATCH_LIMIT = 64 * 1024;

function memoryFor(bytes: number): NativeMemory {
  if (bytes > SCRATCH_LIMIT) return new NativeMemory(bytes);
  if (scratch.length < bytes) {
    scratch.free();
    scratch = new NativeMemory(Math.min(Math.max(bytes, scratch.length * 2), SCRATCH_LIMIT));
  }
  return scratch;
}

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Calls BPF_OBJ_GET_INFO_BY_FD on `fd` with a `size`-byte struct and the given arrays, and hands the
 * kernel's answer to `decode` in place: the views are scratch memory, valid only during the call, so
 * `decode` returns plain data and keeps no view.
 */
export function readObjectInfo<T>(fd: number, size: number, arrays: readonly InfoArray[], decode: (view: DataView, arrays: Uint8Array[]) => T): T {
  const starts: number[] = [];
  let total = align8(size);
  for (const array of arrays) {
    starts.push(total);
    total += align8(Math.max(array.bytes, 1));
  }
  const memory = memoryFor(total);
  try {
    // the kernel reads every member we pass and may fill less of an array than we gave it room for, so
    // nothing from the previous call may remain
    memory.bytes.fill(0, 0, total);
    arrays.forEach((array, i) => {
      memory.view.setUint32(array.lengthOffset, array.length, true);
      if (array.recordSize) memory.view.setUint32(array.recordSize.offset, array.recordSize.value, true);
      memory.view.setBigUint64(array.pointerOffset, BigInt(memory.address + starts[i]!), true);
    });
    bpf.objGetInfoByFd(fd, memory, size);
    return decode(memory.view, arrays.map((array, i) => memory.bytes.subarray(starts[i]!, starts[i]! + array.bytes)));
  } finally {
    if (memory !== scratch) memory.free();
  }
}

/** Calls BPF_OBJ_GET_INFO_BY_FD on `fd` with a `size`-byte struct and the given arrays; returns copies. */
export function getObjectInfo(fd: number, size: number, arrays: readonly InfoArray[] = []): InfoResult {
  return readObjectInfo(fd, size, arrays, (view, filled) => ({
    view: new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + size)),
    arrays: filled.map((array) => array.slice()),
  }));
}

const decoder = new TextDecoder();

/** A NUL-padded fixed-size name member (BPF_OBJ_NAME_LEN bytes). */
export function readFixedName(view: DataView, offset: number, length: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, length);
  const end = bytes.indexOf(0);
  const name = end < 0 ? bytes : bytes.subarray(0, end);
  // object names are ASCII in practice: skip the decoder's per-call cost for them
  let ascii = '';
  for (const byte of name) {
    if (byte >= 0x80) return decoder.decode(name);
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}

/** Bytes up to the first NUL. */
export function readCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_BYTES[byte];
  return out;
}

/** u32 ids out of a native array copy. */
export function readIds(bytes: Uint8Array, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
}
