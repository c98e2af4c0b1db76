/**
 * PerfBufferReader: samples from a BPF_MAP_TYPE_PERF_EVENT_ARRAY, one perf ring per CPU.
 *
 * For each CPU the reader opens a PERF_COUNT_SW_BPF_OUTPUT event (sample type PERF_SAMPLE_RAW), maps
 * its control page and 2^n data pages, stores the event's fd in the map at the CPU's index (what
 * bpf_perf_event_output(..., BPF_F_CURRENT_CPU, ...) writes to) and watches it with epoll. The kernel
 * publishes data_head; the reader walks records up to it and writes data_tail back. A record that
 * runs past the ring's end is copied into a scratch buffer so the callback still sees it whole.
 * Samples the ring had no room for come back as PERF_RECORD_LOST counts, written when the next sample
 * on that CPU fits; they are counted per CPU and reported to `onLost`.
 */
import { ClosedError, InvalidArgumentError, TsbpfError } from '../errors.js';
import type { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { abi, detachMapping, FileDescriptor, mapShared, onlineCpus, perf, releaseWhenUnreachable, type Mapping } from '../sys/index.js';
import { EventRecord, readPosition, writePosition, type EventCallback } from './event-record.js';
import { EventRingError } from './events-error.js';
import { PerfMmapPage, PerfRecordHeader, PerfRecordType, systemPageSize } from './layout.js';
import { ReadyWaiter } from './ready-waiter.js';

export interface PerfBufferOptions {
  /** Data pages per CPU, a power of two (default 64, as many tools use). */
  pageCount?: number;
  /** Wake the reader after this many samples (perf_event_attr.wakeup_events; default 1, libbpf's). */
  wakeupEvents?: number;
  /** Wake the reader once this many bytes are pending instead (perf_event_attr.wakeup_watermark). */
  watermarkBytes?: number;
  /** CPUs to read (default: the online CPUs the map has slots for). */
  cpus?: readonly number[];
  /** Called with the CPU and the count each time the kernel reports lost samples. */
  onLost?: (cpu: number, count: number) => void;
}

export interface PerfBufferStats {
  cpu: number;
  /** Samples handed to callbacks or the iterator. */
  samples: number;
  /** Samples the kernel dropped for want of room, as PERF_RECORD_LOST reported them. */
  lost: number;
}

interface CpuRing {
  readonly cpu: number;
  readonly event: FileDescriptor;
  readonly mapping: Mapping;
  readonly dataSize: number;
  /** data_head and data_tail as 32-bit words over the control page. */
  readonly control: Uint32Array;
  readonly area: Uint8Array;
  readonly words: Uint32Array;
  readonly halves: Uint16Array;
  readonly record: EventRecord;
  readonly areaView: DataView;
  scratch: Uint8Array | null;
  scratchView: DataView | null;
  tail: number;
  samples: number;
  lost: number;
}

const HEAD_WORD = PerfMmapPage.data_head / 4;
const TAIL_WORD = PerfMmapPage.data_tail / 4;
/** After the perf_event_header: a sample's u32 raw size then its bytes; a lost record's u64 id then u64 count. */
const SAMPLE_SIZE_AT = PerfRecordHeader.SIZE;
const SAMPLE_DATA_AT = PerfRecordHeader.SIZE + 4;
const LOST_COUNT_AT = PerfRecordHeader.SIZE + 8;

export class PerfBufferReader implements Disposable, AsyncIterable<EventRecord> {
  readonly #map: BpfMap;
  readonly #rings: CpuRing[] = [];
  readonly #waiter: ReadyWaiter;
  readonly #onLost: ((cpu: number, count: number) => void) | undefined;
  #closed = false;

  constructor(map: BpfMap, options: PerfBufferOptions = {}) {
    if (map.type !== MapType.PerfEventArray) {
      throw new InvalidArgumentError(`map ${map.name || map.id} is a ${map.typeName} map, not a perf_event_array`, 'a PerfBufferReader reads BPF_MAP_TYPE_PERF_EVENT_ARRAY maps; use RingBufferReader for ringbuf maps');
    }
    const pageCount = options.pageCount ?? 64;
    if (!Number.isInteger(pageCount) || pageCount <= 0 || (pageCount & (pageCount - 1)) !== 0) {
      throw new InvalidArgumentError(`pageCount must be a power of two, not ${pageCount}`, 'the kernel maps perf rings of 2^n data pages');
    }
    if (options.wakeupEvents !== undefined && options.watermarkBytes !== undefined) {
      throw new InvalidArgumentError('wakeupEvents and watermarkBytes exclude each other', 'perf_event_attr holds one or the other');
    }
    this.#map = map;
    this.#waiter = new ReadyWaiter();
    this.#onLost = options.onLost;
    const cpus = options.cpus ?? onlineCpus().filter((cpu) => cpu < map.maxEntries);
    try {
      for (const cpu of cpus) {
        if (!Number.isInteger(cpu) || cpu < 0 || cpu >= map.maxEntries) {
          throw new InvalidArgumentError(`CPU ${cpu} has no slot in map ${map.name || map.id} (max_entries ${map.maxEntries})`);
        }
        this.#open(cpu, pageCount, options);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  #open(cpu: number, pageCount: number, options: PerfBufferOptions): void {
    const page = systemPageSize();
    const watermark = options.watermarkBytes !== undefined;
    const event = new FileDescriptor(perf.perfEventOpen({
      type: abi.PerfType.SOFTWARE,
      config: abi.PerfSoftwareEvent.BPF_OUTPUT,
      sampleType: abi.PERF_SAMPLE_RAW,
      samplePeriod: 1,
      wakeupEvents: watermark ? options.watermarkBytes : (options.wakeupEvents ?? 1),
      flags: watermark ? abi.PerfAttrFlags.WATERMARK : 0n,
    }, -1, cpu), `perf event on CPU ${cpu}`);
    let mapping: Mapping;
    try {
      mapping = mapShared(event.value, page * (pageCount + 1), true, 0);
    } catch (error) {
      event.close();
      throw error;
    }
    const control = new Uint32Array(mapping.buffer, 0, page / 4);
    const dataOffset = readPosition(control, PerfMmapPage.data_offset / 4) || page;
    const dataSize = readPosition(control, PerfMmapPage.data_size / 4) || page * pageCount;
    const area = new Uint8Array(mapping.buffer, dataOffset, dataSize);
    const record = new EventRecord(area);
    record.source = cpu;
    const ring: CpuRing = {
      cpu, event, mapping, dataSize, control, area, record,
      words: new Uint32Array(mapping.buffer, dataOffset, dataSize / 4),
      halves: new Uint16Array(mapping.buffer, dataOffset, dataSize / 2),
      areaView: record.view,
      scratch: null,
      scratchView: null,
      tail: readPosition(control, TAIL_WORD),
      samples: 0,
      lost: 0,
    };
    this.#rings.push(ring);
    perf.perfEventEnable(event.value);
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, cpu, true);
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, event.value, true);
    this.#map.update(key, value);
    this.#waiter.add(event.value, this.#rings.length - 1);
  }

  /** The CPUs read, in ring order. */
  get cpus(): number[] {
    return this.#rings.map((ring) => ring.cpu);
  }

  /** Delivers every sample there now, without waiting; returns how many. */
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

  /** Delivers what is there, or waits up to `timeoutMs` (-1: until a wakeup or close) and then delivers. */
  async poll(timeoutMs: number, callback: EventCallback): Promise<number> {
    const now = this.consume(callback);
    if (now > 0 || timeoutMs === 0) return now;
    return this.#consumeReady(await this.#waiter.wait(timeoutMs), callback);
  }

  /** poll() that blocks the thread while it waits. */
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

  /** Samples one at a time, each valid until the loop asks for the next; ends when the reader closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<EventRecord, void, undefined> {
    while (!this.#closed) {
      let found = false;
      for (const ring of this.#rings) {
        let head = readPosition(ring.control, HEAD_WORD);
        while (ring.tail < head) {
          if (this.#closed) return;
          const size = this.#read(ring);
          if (size > 0) {
            found = true;
            try {
              yield ring.record;
            } finally {
              if (!this.#closed) this.#advance(ring, size);
            }
          } else {
            this.#advance(ring, -size);
          }
          if (ring.tail >= head) head = readPosition(ring.control, HEAD_WORD);
        }
      }
      if (!found) await this.#waiter.wait(-1);
    }
  }

  /** Per-CPU counts. */
  stats(): PerfBufferStats[] {
    return this.#rings.map((ring) => ({ cpu: ring.cpu, samples: ring.samples, lost: ring.lost }));
  }

  /** Lost samples over every CPU. */
  get lost(): number {
    return this.#rings.reduce((sum, ring) => sum + ring.lost, 0);
  }

  /** -(count + 1) when the callback asked to stop, else the count. */
  #consumeRing(ring: CpuRing, callback: EventCallback): number {
    let count = 0;
    let head = readPosition(ring.control, HEAD_WORD);
    let tail = ring.tail;
    while (tail < head) {
      const size = this.#read(ring);
      if (size > 0) {
        count++;
        const more = callback(ring.record);
        if (this.#closed) return -count - 1;
        tail = ring.tail += size;
        if (more === false) {
          writePosition(ring.control, TAIL_WORD, tail);
          return -count - 1;
        }
      } else {
        tail = ring.tail -= size;
      }
      if (tail >= head) {
        writePosition(ring.control, TAIL_WORD, tail);
        head = readPosition(ring.control, HEAD_WORD);
      }
    }
    return count;
  }

  /**
   * Reads the record at the ring's tail: a sample sets ring.record and returns its size in the ring;
   * anything else (a lost count, a record type the reader ignores) is handled here and returns -size.
   */
  #read(ring: CpuRing): number {
    const offset = ring.tail % ring.dataSize;
    const type = ring.words[offset >>> 2]!;
    const size = ring.halves[(offset + PerfRecordHeader.size) >>> 1]!;
    if (size < PerfRecordHeader.SIZE || size > ring.dataSize) {
      throw new EventRingError(`perf ring of CPU ${ring.cpu} holds a ${size}-byte record`, offset, 'the perf ring is corrupt; close the reader');
    }
    let base = offset;
    const record = ring.record;
    if (offset + size > ring.dataSize) {
      const scratch = this.#scratch(ring);
      const first = ring.dataSize - offset;
      scratch.set(ring.area.subarray(offset), 0);
      scratch.set(ring.area.subarray(0, size - first), first);
      record.area = scratch;
      record.view = ring.scratchView!;
      base = 0;
    } else if (record.area !== ring.area) {
      record.area = ring.area;
      record.view = ring.areaView;
    }
    if (type === PerfRecordType.SAMPLE) {
      record.offset = base + SAMPLE_DATA_AT;
      record.length = Math.min(record.view.getUint32(base + SAMPLE_SIZE_AT, true), size - SAMPLE_DATA_AT);
      ring.samples++;
      return size;
    }
    if (type === PerfRecordType.LOST) {
      const low = record.view.getUint32(base + LOST_COUNT_AT, true);
      const high = record.view.getUint32(base + LOST_COUNT_AT + 4, true);
      const count = high * 0x1_0000_0000 + low;
      ring.lost += count;
      this.#onLost?.(ring.cpu, count);
    }
    return -size;
  }

  #scratch(ring: CpuRing): Uint8Array {
    if (!ring.scratch) {
      ring.scratch = new Uint8Array(ring.dataSize);
      ring.scratchView = new DataView(ring.scratch.buffer);
    }
    return ring.scratch;
  }

  #advance(ring: CpuRing, size: number): void {
    ring.tail += size;
    writePosition(ring.control, TAIL_WORD, ring.tail);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('perf buffer reader');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Clears the map's slots, disables and closes the perf events, unmaps the rings (held views read zeroes). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const key = new Uint8Array(4);
    for (const ring of this.#rings) {
      if (!this.#map.closed) {
        new DataView(key.buffer).setUint32(0, ring.cpu, true);
        try {
          this.#map.delete(key);
        } catch (error) {
          if (!(error instanceof TsbpfError)) throw error;
        }
      }
      try {
        perf.perfEventDisable(ring.event.value);
      } catch (error) {
        if (!(error instanceof TsbpfError)) throw error;
      }
      detachMapping(ring.mapping);
      releaseWhenUnreachable(ring.mapping.buffer, ring.mapping);
      ring.event.close();
    }
    this.#waiter.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
