/**
 * BpfMap: one live kernel map, owned through its FileDescriptor. Element access copies keys and values
 * through native scratch allocated once per map, so lookupInto/update/delete allocate nothing and a
 * miss is a return value, not an exception.
 */
import { readFileSync } from 'node:fs';
import {
  abi, bpf, detachMapping, FileDescriptor, mapShared, type Mapping, NativeMemory, PreparedMapElem,
  releaseWhenUnreachable,
} from '../sys/index.js';
import { InvalidArgumentError, TsbpfError } from '../errors.js';
import {
  type BatchOptions, BatchScratch, deleteBatch, lookupBatch, MapBatchCursor, updateBatch,
} from './batch.js';
import { createMapFd } from './map-create.js';
import { type MapInfo, mapInfo as mapInfoByFd } from '../info/map-info.js';
import type { MapSpec } from './map-spec.js';
import { MapType, mapTypeName } from './map-types.js';
import { roundUp8, valueBufferSizeOf } from './per-cpu.js';
import { ensureBpffsFor, unpin } from './pin.js';
import { TypedMap, type TypedMapCodecs } from './typed-map.js';
import { MapElement } from './map-element.js';

/** Flags of update/push and the batch commands (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
export const UpdateFlag = {
  Any: abi.UpdateFlags.ANY,
  NoExist: abi.UpdateFlags.NOEXIST,
  Exist: abi.UpdateFlags.EXIST,
  Lock: abi.UpdateFlags.LOCK,
} as const;
export type UpdateFlag = (typeof UpdateFlag)[keyof typeof UpdateFlag];

/** Maps whose elements have no key: queue, stack and bloom filter take a NULL key pointer. */
const KEYLESS_TYPES: ReadonlySet<number> = new Set([MapType.Queue, MapType.Stack, MapType.BloomFilter]);

const PAGE_SIZE = 4096;

/** The kernel lists `map_type:` in a map fd's fdinfo and only there. */
function isMapFd(fd: number): boolean {
  try {
    return /^map_type:/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  } catch {
    return false;
  }
}

/** Native scratch a forgotten (never closed) map gives back when the collector finds it. */
interface Scratch {
  key: NativeMemory;
  value: NativeMemory;
  nextKey: NativeMemory | null;
  elem: PreparedMapElem;
  batch: BatchScratch;
}
const forgottenScratch = new FinalizationRegistry<Scratch>(freeScratch);
function freeScratch(scratch: Scratch): void {
  scratch.key.free();
  scratch.value.free();
  scratch.nextKey?.free();
  scratch.elem.free();
  scratch.batch.free();
}

export class BpfMap implements Disposable {
  readonly fd: FileDescriptor;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  readonly id: number;
  readonly #valueBufferSize: number;
  readonly #scratch: Scratch;
  /** Exactly-sized views over the scratch (NativeMemory rounds up), so copies need no subarray per call. */
  readonly #keyBytes: Uint8Array;
  readonly #valueBytes: Uint8Array;
  #element: MapElement | null = null;
  #closed = false;
  #frozen = false;
  #mapping: { mapping: Mapping; bytes: Uint8Array } | null = null;

  private constructor(fd: FileDescriptor, info: MapInfo) {
    this.fd = fd;
    this.type = info.type as MapType;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.name = info.name;
    this.id = info.id;
    this.#valueBufferSize = valueBufferSizeOf(info.type, info.valueSize);
    const key = new NativeMemory(this.keySize);
    const value = new NativeMemory(this.#valueBufferSize);
    const keyAddress = this.keySize === 0 && KEYLESS_TYPES.has(this.type) ? 0 : key.address;
    this.#scratch = { key, value, nextKey: null, elem: new PreparedMapElem(fd.value, keyAddress, value.address), batch: new BatchScratch() };
    this.#keyBytes = key.bytes.subarray(0, this.keySize);
    this.#valueBytes = value.bytes.subarray(0, this.#valueBufferSize);
    forgottenScratch.register(this, this.#scratch, this);
  }

  /** Creates a map in the kernel. */
  static create(spec: MapSpec): BpfMap {
    return BpfMap.#open(createMapFd(spec));
  }

  /** Opens the map with kernel id `id` (BpfError ENOENT when there is none). */
  static fromId(id: number): BpfMap {
    if (!Number.isInteger(id) || id <= 0) throw new InvalidArgumentError(`a map id is a positive integer, got ${String(id)}`);
    return BpfMap.#open(new FileDescriptor(bpf.getFdById('MAP', id), 'map'));
  }

  /** Opens a map pinned in bpffs; `readOnly`/`writeOnly` ask the kernel for an fd with only that access. */
  static fromPinned(path: string, options: { readOnly?: boolean; writeOnly?: boolean } = {}): BpfMap {
    if (options.readOnly && options.writeOnly) throw new InvalidArgumentError('readOnly and writeOnly exclude each other');
    const flags = options.readOnly ? abi.FileFlags.RDONLY : options.writeOnly ? abi.FileFlags.WRONLY : 0;
    return BpfMap.#open(new FileDescriptor(bpf.objGet(path, flags), 'map'), true);
  }

  /** Wraps a map fd and takes ownership of it (it is closed with the map, also when this throws). */
  static fromFd(fd: FileDescriptor): BpfMap {
    return BpfMap.#open(fd, true);
  }

  /** `checkKind` for fds of unknown origin: a program's fd would otherwise yield its info read as a map's. */
  static #open(fd: FileDescriptor, checkKind = false): BpfMap {
    try {
      if (checkKind && !isMapFd(fd.value)) throw new InvalidArgumentError(`fd ${fd.value} is not a BPF map`);
      return new BpfMap(fd, mapInfoByFd(fd.value));
    } catch (error) {
      fd.close();
      throw error;
    }
  }

  /** libbpf's name of the type (`hash`, `percpu_array`, ...). */
  get typeName(): string {
    return mapTypeName(this.type);
  }

  /** Bytes one value occupies in user space: valueSize, or one 8-byte-aligned slot per possible CPU. */
  get valueBufferSize(): number {
    return this.#valueBufferSize;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #checkKey(key: Uint8Array): void {
    if (key.length !== this.keySize) {
      throw new InvalidArgumentError(`key of ${this.typeName} map ${this.name || this.id} must be ${this.keySize} bytes, got ${key.length}`);
    }
  }

  #checkValue(value: Uint8Array, what = 'value'): void {
    if (value.length !== this.#valueBufferSize) {
      throw new InvalidArgumentError(`${what} of ${this.typeName} map ${this.name || this.id} must be ${this.#valueBufferSize} bytes, got ${value.length}`);
    }
  }

  #checkOpen(): void {
    // FileDescriptor.value throws ClosedError; reading it is the check.
    void this.fd.value;
  }

  /** The value at `key` as a new array, or undefined when absent. */
  lookup(key: Uint8Array, flags = 0): Uint8Array | undefined {
    const out = new Uint8Array(this.#valueBufferSize);
    return this.lookupInto(key, out, flags) ? out : undefined;
  }

  /** Copies the value at `key` into `out` (at least valueBufferSize bytes); false when absent. */
  lookupInto(key: Uint8Array, out: Uint8Array, flags = 0): boolean {
    this.#checkOpen();
    this.#checkKey(key);
    if (out.length < this.#valueBufferSize) {
      throw new InvalidArgumentError(`output buffer must hold ${this.#valueBufferSize} bytes, got ${out.length}`);
    }
    copyBytes(this.#keyBytes, key);
    if (!this.#scratch.elem.lookup(flags)) return false;
    copyBytes(out, this.#valueBytes);
    return true;
  }

  /** Writes `value` at `key`; flags are UpdateFlag.Any (default), NoExist, Exist, Lock. */
  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.#checkOpen();
    this.#checkKey(key);
    this.#checkValue(value);
    copyBytes(this.#keyBytes, key);
    copyBytes(this.#valueBytes, value);
    this.#scratch.elem.update(flags);
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    this.#checkOpen();
    this.#checkKey(key);
    copyBytes(this.#keyBytes, key);
    return this.#scratch.elem.delete();
  }

  /** Removes `key` and returns its value, or undefined when absent. */
  lookupAndDelete(key: Uint8Array, flags = 0): Uint8Array | undefined {
    this.#checkOpen();
    this.#checkKey(key);
    this.#keyBytes.set(key);
    return this.#scratch.elem.lookupAndDelete(flags) ? this.#valueBytes.slice() : undefined;
  }

  #checkKeyless(operation: string): void {
    this.#checkOpen();
    if (!KEYLESS_TYPES.has(this.type)) {
      throw new InvalidArgumentError(`${operation} is for queue, stack and bloom_filter maps, not ${this.typeName}`);
    }
  }

  /** Queue/stack: appends `value` (UpdateFlag.Exist overwrites the oldest when full); bloom filter: adds it. */
  push(value: Uint8Array, flags = 0): void {
    this.#checkKeyless('push');
    this.#checkValue(value);
    this.#valueBytes.set(value);
    this.#scratch.elem.update(flags);
  }

  /** Queue/stack: removes and returns the next value, or undefined when empty. */
  pop(): Uint8Array | undefined {
    this.#checkKeyless('pop');
    if (this.type === MapType.BloomFilter) throw new InvalidArgumentError('a bloom filter cannot pop: values can only be added and tested');
    return this.#scratch.elem.lookupAndDelete(0) ? this.#valueBytes.slice() : undefined;
  }

  /**
   * Queue/stack: the next value without removing it. Bloom filter: pass the value to test; it comes back
   * when it may be in the set, undefined when it certainly is not.
   */
  peek(value?: Uint8Array): Uint8Array | undefined {
    this.#checkKeyless('peek');
    if (this.type === MapType.BloomFilter) {
      if (!value) throw new InvalidArgumentError('peek on a bloom filter needs the value to test');
      this.#checkValue(value);
      this.#valueBytes.set(value);
      return this.#scratch.elem.lookup(0) ? value.slice() : undefined;
    }
    return this.#scratch.elem.lookup(0) ? this.#valueBytes.slice() : undefined;
  }

  /** Bloom filter: true when `value` may be in the set, false when it certainly is not. */
  mayContain(value: Uint8Array): boolean {
    return this.peek(value) !== undefined;
  }

  /** Keys in the kernel's order (MAP_GET_NEXT_KEY). A hash walk restarts if the current key is deleted under it. */
  *keys(): IterableIterator<Uint8Array> {
    this.#checkOpen();
    if (this.keySize === 0) return;
    const scratch = this.#scratch;
    scratch.nextKey ??= new NativeMemory(this.keySize);
    const next = scratch.nextKey;
    let current: Uint8Array | null = null;
    for (;;) {
      const fd = this.fd.value;
      if (current) this.#keyBytes.set(current);
      if (!bpf.mapGetNextKey(fd, current ? scratch.key.address : 0, next.address)) return;
      current = next.bytes.slice(0, this.keySize);
      yield current;
    }
  }

  /** [key, value] pairs; keys deleted during the walk are skipped. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value) yield [key, value];
    }
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries();
  }

  #batchCount(keys: Uint8Array, values: Uint8Array | null): number {
    if (this.keySize === 0) throw new InvalidArgumentError(`batch operations need keys; ${this.typeName} maps have none`);
    if (keys.length % this.keySize !== 0) {
      throw new InvalidArgumentError(`keys buffer must be a multiple of the key size ${this.keySize}, got ${keys.length} bytes`);
    }
    const count = keys.length / this.keySize;
    if (values && values.length < count * this.#valueBufferSize) {
      throw new InvalidArgumentError(`values buffer must hold ${count} values of ${this.#valueBufferSize} bytes (${count * this.#valueBufferSize}), got ${values.length}`);
    }
    return count;
  }

  #batchTarget(): { fd: number; keySize: number; valueSize: number; scratch: BatchScratch } {
    return { fd: this.fd.value, keySize: this.keySize, valueSize: this.#valueBufferSize, scratch: this.#scratch.batch };
  }

  /**
   * Reads up to keysOut.length / keySize elements from the cursor's position; returns how many it read.
   * Call again with the same cursor until `cursor.done`.
   */
  lookupBatch(cursor: MapBatchCursor, keysOut: Uint8Array, valuesOut: Uint8Array, options: BatchOptions = {}): number {
    const count = this.#batchCount(keysOut, valuesOut);
    return lookupBatch('MAP_LOOKUP_BATCH', this.#batchTarget(), cursor, keysOut, valuesOut, count, options.elemFlags ?? 0);
  }

  /** Like lookupBatch, and removes what it returns. */
  lookupAndDeleteBatch(cursor: MapBatchCursor, keysOut: Uint8Array, valuesOut: Uint8Array, options: BatchOptions = {}): number {
    const count = this.#batchCount(keysOut, valuesOut);
    return lookupBatch('MAP_LOOKUP_AND_DELETE_BATCH', this.#batchTarget(), cursor, keysOut, valuesOut, count, options.elemFlags ?? 0);
  }

  /** Writes keys.length / keySize elements; returns how many the kernel wrote. */
  updateBatch(keys: Uint8Array, values: Uint8Array, options: BatchOptions = {}): number {
    const count = this.#batchCount(keys, values);
    if (values.length !== count * this.#valueBufferSize) {
      throw new InvalidArgumentError(`values buffer must be ${count * this.#valueBufferSize} bytes for ${count} keys, got ${values.length}`);
    }
    return updateBatch(this.#batchTarget(), keys, values, count, options.elemFlags ?? 0);
  }

  /** Deletes the keys; returns how many were deleted (it stops at the first absent key). */
  deleteBatch(keys: Uint8Array, options: BatchOptions = {}): number {
    const count = this.#batchCount(keys, null);
    return deleteBatch(this.#batchTarget(), keys, count, options.elemFlags ?? 0);
  }

  /** Makes the map read-only for user space (programs may still write it). */
  freeze(): void {
    bpf.mapFreeze(this.fd.value);
    this.#frozen = true;
  }

  /**
   * A BPF_F_MMAPABLE array as a zero-copy view of its values (value i at i * roundUp(valueSize, 8)).
   * Writable unless the map is frozen or read-only. After close() the view reads zeroes.
   */
  mmap(): Uint8Array {
    const fd = this.fd.value;
    if (this.#mapping) return this.#mapping.bytes;
    if (this.type !== MapType.Array || (this.flags & abi.MapFlags.MMAPABLE) === 0) {
      throw new InvalidArgumentError(`only arrays created with MapFlags.MMAPABLE can be mapped; this is a ${this.typeName} map with flags ${this.flags}`);
    }
    const used = roundUp8(this.valueSize) * this.maxEntries;
    const length = Math.ceil(used / PAGE_SIZE) * PAGE_SIZE;
    const readOnly = this.#frozen || (this.flags & abi.MapFlags.RDONLY) !== 0;
    let mapping: Mapping;
    try {
      mapping = mapShared(fd, length, !readOnly);
    } catch (error) {
      // Frozen by someone else, or opened read-only: a read-only view still works.
      if (readOnly || !(error instanceof TsbpfError)) throw error;
      mapping = mapShared(fd, length, false);
    }
    const bytes = new Uint8Array(mapping.buffer, 0, used);
    this.#mapping = { mapping, bytes };
    return bytes;
  }

  /** Pins the map at `path` in bpffs (mounting /sys/fs/bpf when it is missing). Names may not contain dots. */
  pin(path: string): void {
    const fd = this.fd.value;
    ensureBpffsFor(path);
    bpf.objPin(fd, path);
  }

  /** Removes a pin (the map lives on while this object or others hold it). */
  unpin(path: string): void {
    unpin(path);
  }

  info(): MapInfo {
    return mapInfoByFd(this.fd.value);
  }

  /**
   * Zero-copy access to one element at a time through the map's own native key and value buffers:
   * `map.element.keyView.setUint32(0, k, true); if (map.element.lookup()) map.element.valueView...`.
   */
  get element(): MapElement {
    this.#checkOpen();
    this.#element ??= new MapElement(this.fd, this.#scratch.elem, this.#keyBytes, this.#valueBytes);
    return this.#element;
  }

  /** A view of this map through key and value codecs. */
  typed<K, V>(codecs: TypedMapCodecs<K, V>): TypedMap<K, V> {
    return new TypedMap(this, codecs);
  }

  /** Closes the fd and frees the scratch; a mapped view is detached (reads zeroes). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#mapping) {
      detachMapping(this.#mapping.mapping);
      releaseWhenUnreachable(this.#mapping.mapping.buffer, this.#mapping.mapping);
      this.#mapping = null;
    }
    forgottenScratch.unregister(this);
    if (this.#element) {
      // Callers may still hold the element's views: keep that memory valid until they let go.
      this.#scratch.key.freeWhenUnreachable();
      this.#scratch.value.freeWhenUnreachable();
    }
    freeScratch(this.#scratch);
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Copies `source` to the start of `target`. Keys and values are mostly a few bytes, where a plain loop
 * beats TypedArray.prototype.set's call overhead; larger ones take set().
 */
function copyBytes(target: Uint8Array, source: Uint8Array): void {
  const length = source.length;
  if (length > 32) {
    target.set(source);
    return;
  }
  for (let i = 0; i < length; i++) target[i] = source[i]!;
}
