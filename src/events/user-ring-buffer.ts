/**
 * UserRingBufferProducer: user space writes records into a BPF_MAP_TYPE_USER_RINGBUF map and a BPF
 * program drains them with bpf_user_ringbuf_drain.
 *
 * The roles are the ring buffer's, reversed (kernel/bpf/ringbuf.c): here the consumer page is the
 * kernel's (mapped read-only) and the producer page and data area are ours (mapped read-write, the
 * data twice so a reservation that wraps is one contiguous range). reserve() writes a busy header and
 * publishes the new producer position; submit() clears the busy bit, discard() sets the discard bit,
 * and the kernel's drain stops at the first record still busy. One producer at a time, as in libbpf:
 * the reader side is the kernel, the writer side is this object alone.
 */
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { abi, detachMapping, mapShared, releaseWhenUnreachable, type Mapping } from '../sys/index.js';
import { readPosition, writePosition } from './event-record.js';
import { RingHeader, systemPageSize } from './layout.js';
import { ReadyWaiter } from './ready-waiter.js';

/** A reserved record: write its bytes, then hand it to submit() or discard(). */
export interface UserRingBufferSample {
  /** The record's bytes in the ring (zero copy), writable until submitted or discarded. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Offset of the record's header in the data area (identifies the reservation). */
  readonly headerOffset: number;
}

export class UserRingBufferProducer implements Disposable {
  readonly #size: number;
  readonly #consumerPage: Mapping;
  readonly #producerPages: Mapping;
  readonly #consumerWords: Uint32Array;
  readonly #producerWords: Uint32Array;
  readonly #headerWords: Uint32Array;
  readonly #area: Uint8Array;
  readonly #pending = new Map<number, number>();
  readonly #waiter: ReadyWaiter;
  #position: number;
  #closed = false;

  constructor(map: BpfMap) {
    if (map.type !== MapType.UserRingBuf) {
      throw new InvalidArgumentError(`map ${map.name || map.id} is a ${map.typeName} map, not a user_ringbuf`, 'a UserRingBufferProducer writes BPF_MAP_TYPE_USER_RINGBUF maps');
    }
    const page = systemPageSize();
    this.#waiter = new ReadyWaiter();
    this.#size = map.maxEntries;
    try {
      this.#consumerPage = mapShared(map.fd.value, page, false, 0);
      this.#producerPages = mapShared(map.fd.value, page + 2 * this.#size, true, page);
      this.#waiter.add(map.fd.value, 0, abi.Epoll.OUT);
    } catch (error) {
      this.close();
      throw error;
    }
    this.#consumerWords = new Uint32Array(this.#consumerPage.buffer, 0, 2);
    this.#producerWords = new Uint32Array(this.#producerPages.buffer, 0, 2);
    this.#headerWords = new Uint32Array(this.#producerPages.buffer, page, (2 * this.#size) / 4);
    this.#area = new Uint8Array(this.#producerPages.buffer, page, 2 * this.#size);
    this.#position = readPosition(this.#producerWords, 0);
  }

  /** The largest record the ring can take. */
  get maxRecordSize(): number {
    return this.#size - RingHeader.SIZE;
  }

  /** Bytes free for new reservations (header and padding included), as of the kernel's last drain. */
  get available(): number {
    this.#checkOpen();
    return this.#size - (this.#position - readPosition(this.#consumerWords, 0));
  }

  /** Reserves `size` bytes; undefined when the ring has no room until the program drains it. */
  reserve(size: number): UserRingBufferSample | undefined {
    this.#checkOpen();
    if (!Number.isInteger(size) || size <= 0 || size > this.maxRecordSize) {
      throw new InvalidArgumentError(`a user ring buffer record is 1..${this.maxRecordSize} bytes, not ${size}`, 'create the map with a larger max_entries for bigger records');
    }
    const total = (size + RingHeader.SIZE + 7) & ~7;
    if (total > this.available) return undefined;
    const headerOffset = this.#position % this.#size;
    this.#headerWords[headerOffset >>> 2] = (size | RingHeader.BUSY_BIT) >>> 0;
    this.#headerWords[(headerOffset >>> 2) + 1] = 0;
    this.#position += total;
    writePosition(this.#producerWords, 0, this.#position);
    this.#pending.set(headerOffset, size);
    const bytes = this.#area.subarray(headerOffset + RingHeader.SIZE, headerOffset + RingHeader.SIZE + size);
    return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, size), headerOffset };
  }

  /** Commits a reserved record: the next drain hands it to the program (after all earlier ones). */
  submit(sample: UserRingBufferSample): void {
    this.#commit(sample, 0);
  }

  /** Gives a reservation back: the drain skips it. */
  discard(sample: UserRingBufferSample): void {
    this.#commit(sample, RingHeader.DISCARD_BIT);
  }

  /** reserve + copy + submit; false when the ring has no room. */
  write(data: Uint8Array): boolean {
    const sample = this.reserve(data.length);
    if (!sample) return false;
    sample.bytes.set(data);
    this.submit(sample);
    return true;
  }

  /** Waits up to `timeoutMs` until `size` bytes fit (the kernel signals room after a drain); true when they do. */
  async waitForRoom(size: number, timeoutMs: number): Promise<boolean> {
    const total = (size + RingHeader.SIZE + 7) & ~7;
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      if (this.#closed) return false;
      if (total <= this.available) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.#waiter.wait(Math.min(left, 10));
    }
  }

  #commit(sample: UserRingBufferSample, flags: number): void {
    this.#checkOpen();
    const size = this.#pending.get(sample.headerOffset);
    if (size === undefined) throw new InvalidArgumentError('this record was already submitted or discarded, or is not from this producer');
    this.#pending.delete(sample.headerOffset);
    this.#headerWords[sample.headerOffset >>> 2] = (size | flags) >>> 0;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('user ring buffer producer');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Unmaps the ring; reservations not yet submitted stay busy, and the kernel's drain stops at them. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const mapping of [this.#consumerPage, this.#producerPages]) {
      if (!mapping) continue;
      detachMapping(mapping);
      releaseWhenUnreachable(mapping.buffer, mapping);
    }
    this.#waiter.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
