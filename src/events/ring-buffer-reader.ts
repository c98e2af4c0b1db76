/**
 * RingBufferReader: records from BPF_MAP_TYPE_RINGBUF maps, in the order the kernel reserved them.
 *
 * Each ring is mapped as the kernel lays it out (kernel/bpf/ringbuf.c): the consumer page read-write
 * (the reader publishes how far it has read), then the producer page and the data area read-only, the
 * data mapped twice in a row so a record that wraps around the end reads as one contiguous range.
 * A record is an 8-byte header (length, busy and discard bits) followed by its data, padded to 8 bytes.
 * A busy header is a reservation not yet committed: reading stops there until the producer commits it,
 * so later records (already committed) are never delivered ahead of it. Discarded records are skipped.
 */
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { detachMapping, mapShared, releaseWhenUnreachable, type Mapping } from '../sys/index.js';
import { EventRecord, readPosition, writePosition, type EventCallback } from './event-record.js';
import { EventRingError } from './events-error.js';
import { RingHeader, systemPageSize } from './layout.js';
import { ReadyWaiter } from './ready-waiter.js';

interface Ring {
  readonly index: number;
  readonly name: string;
  readonly size: number;
  /** size - 1: ring sizes are powers of two (of at most 2^31 bytes, so offsets fit bit operations). */
  readonly mask: number;
  readonly consumerPage: Mapping;
  readonly dataPages: Mapping;
  /** The consumer position, as 32-bit words over the consumer page. */
  readonly consumerWords: Uint32Array;
  /** The producer position, as 32-bit words over the producer page. */
  readonly producerWords: Uint32Array;
  /** Record headers: 32-bit words over the data area (twice its size). */
  readonly headerWords: Uint32Array;
  readonly record: EventRecord;
  /** How far this reader has consumed, and the last producer position it read. */
  position: number;
  /** The consumer position last written to the consumer page. */
  published: number;
  producer: number;
  discarded: number;
  delivered: number;
}

export interface RingBufferStats {
  name: string;
  /** Records handed to callbacks or the iterator. */
  delivered: number;
  /** Records the producer discarded, skipped. */
  discarded: number;
  /** Bytes written and not yet consumed. */
  pending: number;
}

export class RingBufferReader implements Disposable, AsyncIterable<EventRecord> {
  readonly #rings: Ring[] = [];
  readonly #waiter = new ReadyWaiter();
  #closed = false;

  /** A reader over one ring buffer map; add() more. */
  static open(map: BpfMap): RingBufferReader {
    const reader = new RingBufferReader();
    try {
      reader.add(map);
    } catch (error) {
      reader.close();
      throw error;
    }
    return reader;
  }

  /**
   * Adds a ring buffer map (libbpf's ring_buffer__add); returns its index, which records carry as
   * `source`. The reader maps the ring and watches its fd; the map itself stays the caller's to close.
   */
  add(map: BpfMap): number {
    this.#checkOpen();
    if (map.type !== MapType.RingBuf) {
      throw new InvalidArgumentError(`map ${map.name || map.id} is a ${map.typeName} map, not a ringbuf`, 'a RingBufferReader reads BPF_MAP_TYPE_RINGBUF maps; use PerfBufferReader for perf event arrays');
    }
    const page = systemPageSize();
    const size = map.maxEntries;
    const fd = map.fd.value;
    const consumerPage = mapShared(fd, page, true, 0);
    let dataPages: Mapping;
    try {
      dataPages = mapShared(fd, page + 2 * size, false, page);
    } catch (error) {
      detachMapping(consumerPage);
      releaseWhenUnreachable(consumerPage.buffer, consumerPage);
      throw error;
    }
    const index = this.#rings.length;
    const area = new Uint8Array(dataPages.buffer, page, 2 * size);
    const record = new EventRecord(area);
    record.source = index;
    const ring: Ring = {
      index,
      name: map.name,
      size,
      mask: size - 1,
      consumerPage,
      dataPages,
      consumerWords: new Uint32Array(consumerPage.buffer, 0, 2),
      producerWords: new Uint32Array(dataPages.buffer, 0, 2),
      headerWords: new Uint32Array(dataPages.buffer, page, (2 * size) / 4),
      record,
      position: 0,
      published: 0,
      producer: 0,
      discarded: 0,
      delivered: 0,
    };
    ring.position = readPosition(ring.consumerWords, 0);
    ring.published = ring.position;
    ring.producer = ring.position;
    this.#rings.push(ring);
    try {
      this.#waiter.add(fd, index);
    } catch (error) {
      this.#rings.pop();
      unmapRing(ring);
      throw error;
    }
    return index;
  }

  /** How many rings this reader reads. */
  get ringCount(): number {
    return this.#rings.length;
  }

  /** Delivers every committed record now, without waiting; returns how many. */
  consume(callback: EventCallback): number {
    this.#checkOpen();
    let count = 0;
    for (const ring of this.#rings) {
      const delivered = this.#consumeRing(ring, callback);
      if (delivered < 0) return count - delivered - 1;
      count += delivered;
    }
    return count;
  }

  /** Delivers the committed records of one ring (by its add() index) without waiting. */
  consumeRing(index: number, callback: EventCallback): number {
    this.#checkOpen();
    const ring = this.#rings[index];
    if (!ring) throw new InvalidArgumentError(`no ring ${index} in this reader (it has ${this.#rings.length})`);
    const delivered = this.#consumeRing(ring, callback);
    return delivered < 0 ? -delivered - 1 : delivered;
  }

  /**
   * Delivers what is there; when nothing is, waits up to `timeoutMs` (-1: until records come or the
   * reader closes) for a wakeup without blocking the event loop, then delivers. Returns the count.
   */
  async poll(timeoutMs: number, callback: EventCallback): Promise<number> {
    const now = this.consume(callback);
    if (now > 0 || timeoutMs === 0) return now;
    const ready = await this.#waiter.wait(timeoutMs);
    return this.#consumeReady(ready, callback);
  }

  /** poll() that blocks the thread while it waits: for dedicated consumer threads and benchmarks. */
  pollSync(timeoutMs: number, callback: EventCallback): number {
    const now = this.consume(callback);
    if (now > 0 || timeoutMs === 0) return now;
    return this.#consumeReady(this.#waiter.waitSync(timeoutMs), callback);
  }

  #consumeReady(ready: readonly { tag: number }[], callback: EventCallback): number {
    if (this.#closed) return 0;
    let count = 0;
    for (const { tag } of ready) {
      const ring = this.#rings[tag];
      if (!ring) continue;
      const delivered = this.#consumeRing(ring, callback);
      if (delivered < 0) return count - delivered - 1;
      count += delivered;
    }
    return count;
  }

  /**
   * Records one at a time, each valid until the loop asks for the next (`copy()` one to keep it). The
   * iteration ends when the reader closes; leaving the loop early consumes the record it stopped on.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<EventRecord, void, undefined> {
    while (!this.#closed) {
      let found = false;
      for (const ring of this.#rings) {
        for (;;) {
          if (this.#closed) return;
          const total = this.#peek(ring);
          if (total === 0) break;
          found = true;
          try {
            yield ring.record;
          } finally {
            if (!this.#closed) this.#advance(ring, total, true);
          }
        }
      }
      if (!found) await this.#waiter.wait(-1);
    }
  }

  /** Per-ring counts, in add() order. */
  stats(): RingBufferStats[] {
    return this.#rings.map((ring) => ({
      name: ring.name,
      delivered: ring.delivered,
      discarded: ring.discarded,
      pending: this.#closed ? 0 : readPosition(ring.producerWords, 0) - ring.position,
    }));
  }

  /**
   * -(count + 1) when the callback asked to stop, else the count. The hot loop of the reader: #peek
   * and #advance inlined, the producer position read once per catch-up. The consumer position is
   * published once per catch-up too, not per record: the producer reads it on every reservation, and a
   * line the reader keeps writing would bounce between the two CPUs' caches.
   */
  #consumeRing(ring: Ring, callback: EventCallback): number {
    let count = 0;
    let position = ring.position;
    let producer = ring.producer;
    const { headerWords, consumerWords, record, mask } = ring;
    try {
      for (;;) {
        if (position >= producer) {
          if (position !== ring.published) {
            writePosition(consumerWords, 0, position);
            ring.published = position;
          }
          producer = ring.producer = readPosition(ring.producerWords, 0);
          if (position >= producer) return count;
        }
        const offset = (position >>> 0) & mask;
        const header = headerWords[offset >>> 2]!;
        if (header & RingHeader.BUSY_BIT) return count;
        const length = header & RingHeader.LENGTH_MASK;
        const total = (length + RingHeader.SIZE + 7) & ~7;
        if (total > ring.size) throw new EventRingError(`ring buffer ${ring.name} holds a ${length}-byte record in a ${ring.size}-byte ring`, offset);
        if (header & RingHeader.DISCARD_BIT) {
          ring.discarded++;
          ring.position = position += total;
          continue;
        }
        record.offset = offset + RingHeader.SIZE;
        record.length = length;
        count++;
        // The position moves past the record only once the callback returns: one that throws leaves it in the ring.
        const more = callback(record);
        if (this.#closed) return -count - 1;
        ring.delivered++;
        ring.position = position += total;
        if (more === false) return -count - 1;
      }
    } finally {
      if (!this.#closed && ring.position !== ring.published) {
        writePosition(consumerWords, 0, ring.position);
        ring.published = ring.position;
      }
    }
  }

  /**
   * Sets ring.record to the next committed record and returns its size in the ring (0: none yet).
   * Discarded records on the way are consumed and counted.
   */
  #peek(ring: Ring): number {
    for (;;) {
      if (ring.position >= ring.producer) {
        ring.producer = readPosition(ring.producerWords, 0);
        if (ring.position >= ring.producer) return 0;
      }
      const offset = (ring.position >>> 0) & ring.mask;
      const header = ring.headerWords[offset >>> 2]!;
      if (header & RingHeader.BUSY_BIT) return 0;
      const length = header & RingHeader.LENGTH_MASK;
      const total = (length + RingHeader.SIZE + 7) & ~7;
      if (total > ring.size) throw new EventRingError(`ring buffer ${ring.name} holds a ${length}-byte record in a ${ring.size}-byte ring`, offset);
      if (header & RingHeader.DISCARD_BIT) {
        ring.discarded++;
        this.#advance(ring, total, false);
        continue;
      }
      ring.record.offset = offset + RingHeader.SIZE;
      ring.record.length = length;
      return total;
    }
  }

  #advance(ring: Ring, total: number, delivered: boolean): void {
    ring.position += total;
    if (delivered) ring.delivered++;
    writePosition(ring.consumerWords, 0, ring.position);
    ring.published = ring.position;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('ring buffer reader');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Unmaps the rings (a record view still held reads zeroes from then on) and releases the epoll set;
   * a pending poll() or iterator step returns within 100 ms.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ring of this.#rings) unmapRing(ring);
    this.#waiter.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function unmapRing(ring: Ring): void {
  for (const mapping of [ring.consumerPage, ring.dataPages]) {
    detachMapping(mapping);
    releaseWhenUnreachable(mapping.buffer, mapping);
  }
}
