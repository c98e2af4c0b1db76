/**
 * Batch commands (BPF_MAP_*_BATCH). A lookup walk keeps the kernel's opaque position token in a
 * MapBatchCursor between calls, as cilium/ebpf's MapBatchCursor does: pass the same cursor until
 * `done`. Keys and values move through native scratch the map grows as needed.
 */
import { bpf, NativeMemory } from '../sys/index.js';
import type { BatchCommandName } from '../sys/bpf.js';

export interface BatchOptions {
  /** BPF_F_LOCK for maps with a spin lock; 0 otherwise. */
  elemFlags?: number;
}

export class MapBatchCursor implements Disposable {
  /** True once the kernel reported the end of the map; further calls return 0. */
  done = false;
  #token: NativeMemory | null = null;
  #tokenSize = 0;
  #started = false;

  /**
   * Token memory for a map whose keys are `keySize` bytes: hash maps store a bucket index, arrays and
   * the generic walk store a key, so the token holds whichever is larger. In and out halves are apart.
   */
  prepare(keySize: number): { inAddress: number; outAddress: number } {
    const size = Math.max(8, (keySize + 7) & ~7);
    if (!this.#token) {
      this.#token = new NativeMemory(size * 2);
      this.#tokenSize = size;
    }
    const base = this.#token.address;
    return { inAddress: this.#started ? base : 0, outAddress: base + this.#tokenSize };
  }

  /** Records the kernel's new position after a call that returned elements. */
  advance(done: boolean): void {
    if (done) {
      this.done = true;
      this.close();
      return;
    }
    if (this.#token) this.#token.bytes.copyWithin(0, this.#tokenSize, this.#tokenSize * 2);
    this.#started = true;
  }

  /** Frees the token; the cursor then counts as finished. */
  close(): void {
    this.#token?.free();
    this.#token = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Growable native scratch for batch keys and values. */
export class BatchScratch {
  #keys: NativeMemory | null = null;
  #values: NativeMemory | null = null;

  keys(length: number): NativeMemory {
    if (!this.#keys || this.#keys.length < length) {
      this.#keys?.free();
      this.#keys = new NativeMemory(length);
    }
    return this.#keys;
  }

  values(length: number): NativeMemory {
    if (!this.#values || this.#values.length < length) {
      this.#values?.free();
      this.#values = new NativeMemory(length);
    }
    return this.#values;
  }

  free(): void {
    this.#keys?.free();
    this.#values?.free();
    this.#keys = this.#values = null;
  }
}

export interface BatchTarget {
  fd: number;
  keySize: number;
  valueSize: number;
  scratch: BatchScratch;
}

/** One lookup (or lookup-and-delete) call: fills keysOut/valuesOut from the start; returns the count. */
export function lookupBatch(
  command: Extract<BatchCommandName, 'MAP_LOOKUP_BATCH' | 'MAP_LOOKUP_AND_DELETE_BATCH'>, target: BatchTarget,
  cursor: MapBatchCursor, keysOut: Uint8Array, valuesOut: Uint8Array, count: number, elemFlags: number,
): number {
  if (cursor.done || count === 0) return 0;
  const keys = target.scratch.keys(count * target.keySize);
  const values = target.scratch.values(count * target.valueSize);
  const { inAddress, outAddress } = cursor.prepare(target.keySize);
  const result = bpf.mapBatch(command, target.fd, inAddress, outAddress, keys.address, values.address, count, elemFlags);
  keysOut.set(keys.bytes.subarray(0, result.count * target.keySize));
  valuesOut.set(values.bytes.subarray(0, result.count * target.valueSize));
  cursor.advance(result.done);
  return result.count;
}

export function updateBatch(target: BatchTarget, keys: Uint8Array, values: Uint8Array, count: number, elemFlags: number): number {
  if (count === 0) return 0;
  const nativeKeys = target.scratch.keys(keys.length);
  const nativeValues = target.scratch.values(values.length);
  nativeKeys.bytes.set(keys);
  nativeValues.bytes.set(values);
  return bpf.mapBatch('MAP_UPDATE_BATCH', target.fd, 0, 0, nativeKeys.address, nativeValues.address, count, elemFlags).count;
}

export function deleteBatch(target: BatchTarget, keys: Uint8Array, count: number, elemFlags: number): number {
  if (count === 0) return 0;
  const nativeKeys = target.scratch.keys(keys.length);
  nativeKeys.bytes.set(keys);
  return bpf.mapBatch('MAP_DELETE_BATCH', target.fd, 0, 0, nativeKeys.address, 0, count, elemFlags).count;
}
