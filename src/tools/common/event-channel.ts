/**
 * The tools' event channel (src/tools/include/tools.bpf.h): the object declares `events` as a perf event
 * array; before load, `chooseEventChannel` makes it a ring buffer when the kernel has them (or as asked)
 * and sets the object's `use_ringbuf` constant to match. An EventStream then reads whichever it became
 * until the run is stopped, reporting a perf buffer's lost records per CPU as they come, and the records
 * the BPF side could not send (counted in `events_dropped`) once at the end.
 */
import { events, features, InvalidArgumentError, MapType, type BpfObject, type ObjectSpec } from '../../index.js';
import type { EventRecord } from '../../index.js';
import { ToolUsageError, type ToolOption } from './tool.js';
import { waitInterval } from './waiting.js';

export type EventChannelKind = 'ringbuf' | 'perf';

/** `--events ringbuf|perf`, tsbpf's flag on every event tool (the perf path is tested on kernels that have ring buffers). */
export const EVENTS_OPTION: ToolOption = { long: 'events', argument: 'ringbuf|perf', description: 'Event channel (tsbpf; default: ring buffer where the kernel has one)' };

export function parseEventChannel(value: string | true | undefined): EventChannelKind | 'auto' {
  const channel = value ?? 'auto';
  if (channel !== 'auto' && channel !== 'ringbuf' && channel !== 'perf') throw new ToolUsageError(`Invalid event channel: ${String(channel)}`);
  return channel;
}

export interface EventChannelOptions {
  /** Default 'auto': a ring buffer where the kernel has them. */
  kind?: EventChannelKind | 'auto';
  /** Ring buffer size in bytes (a power of two pages). Default 4 MiB. */
  ringBytes?: number;
  /** Perf buffer pages per CPU (a power of two). Default 64. */
  perfPages?: number;
}

export interface EventChannel {
  kind: EventChannelKind;
  perfPages: number;
}

/** 4 MiB: room for ~13 000 opensnoop events while the reader's JIT warms up under a storm. */
const DEFAULT_RING_BYTES = 4 << 20;
const DEFAULT_PERF_PAGES = 64;
const POLL_MS = 100;
const GATHER_BELOW = 256;
const GATHER_MS = 1;


export function chooseEventChannel(spec: ObjectSpec, options: EventChannelOptions = {}): EventChannel {
  const map = spec.maps.find((candidate) => candidate.fullName === 'events');
  if (!map) throw new InvalidArgumentError(`object '${spec.name}' has no 'events' map`, 'include tools.bpf.h in its BPF C');
  const kind = options.kind && options.kind !== 'auto' ? options.kind : features.haveMapType(MapType.RingBuf).supported ? 'ringbuf' : 'perf';
  if (kind === 'ringbuf') {
    Object.assign(map, { type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: options.ringBytes ?? DEFAULT_RING_BYTES, btfKeyTypeId: 0, btfValueTypeId: 0 });
  }
  spec.variables.use_ringbuf?.set(kind === 'ringbuf');
  return { kind, perfPages: options.perfPages ?? DEFAULT_PERF_PAGES };
}

export interface StreamHandlers {
  onEvent(record: EventRecord): void;
  /** Perf buffer: records the kernel lost on `cpu`. Ring buffer: `cpu` is -1, at the end, for drops. */
  onLost(cpu: number, count: number): void;
  /** After each batch of records (flush output here). */
  onBatch?(): void;
}

/**
 * The reader of a loaded object's `events`. Open it before attaching: a perf buffer's per-CPU slots are
 * filled when the reader opens, and until then the kernel refuses records (ENOENT) instead of keeping
 * them as a ring buffer would.
 */
export class EventStream implements Disposable {
  readonly #object: BpfObject;
  readonly #reader: events.RingBufferReader | events.PerfBufferReader;
  #onLost: StreamHandlers['onLost'] = () => {};

  private constructor(object: BpfObject, channel: EventChannel) {
    const map = object.maps.events;
    if (!map) throw new InvalidArgumentError(`object '${object.name}' has no 'events' map`, 'include tools.bpf.h in its BPF C');
    this.#object = object;
    this.#reader = channel.kind === 'ringbuf'
      ? events.RingBufferReader.open(map)
      : new events.PerfBufferReader(map, { pageCount: channel.perfPages, onLost: (cpu, count) => this.#onLost(cpu, count) });
  }

  static open(object: BpfObject, channel: EventChannel): EventStream {
    return new EventStream(object, channel);
  }

  /** Reads until `signal` aborts, then drains what is left and reports what the BPF side dropped. */
  async run(signal: AbortSignal, handlers: StreamHandlers): Promise<void> {
    const { onEvent, onBatch, onLost } = handlers;
    this.#onLost = onLost;
    while (!signal.aborted) {
      const count = await this.#reader.poll(POLL_MS, onEvent);
      onBatch?.();
      // A few records per wakeup means paying a wakeup (and a hop through koffi's thread) per record; under
      // a steady stream, letting a millisecond's worth gather first costs a third of the CPU per event.
      if (count > 0 && count < GATHER_BELOW) await waitInterval(GATHER_MS / 1000, signal);
    }
    this.#reader.consume(onEvent);
    onBatch?.();
    const dropped = this.#object.variables.events_dropped?.get();
    if (typeof dropped === 'bigint' && dropped > 0n) onLost(-1, Number(dropped));
  }

  close(): void {
    this.#reader.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

