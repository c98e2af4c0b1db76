/**
 * map-ops, the TypeScript side: the operations map_ops.c times, through tsbpf's public API. The bench
 * drives a TsSide in its own process, alternating each measurement with the C server; run this file
 * directly (`node dist/bench/map-ops/ts-side.js [ROUNDS]`) for one JSON line per round, e.g. under
 * `node --cpu-prof` or `perf record` to see where the time goes.
 *
 * The hot loops do what the C loops do: one key buffer and one value buffer, the u32 key set in place per
 * iteration, no allocation per operation.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapBatchCursor, MapType, UpdateFlag } from '../../src/index.js';

export const MAP_NAME = 'bench_ts';

/** One timed operation: total nanoseconds and how many elements it covered. */
export interface Measurement {
  ns: number;
  count: number;
}

export type Op = 'fill' | 'lookup' | 'update' | 'batch' | 'delete';

export class TsSide implements Disposable {
  readonly #entries: number;
  readonly #batchPasses: number;
  #map: BpfMap | null = null;
  readonly #key = new Uint8Array(4);
  readonly #keyView = new DataView(this.#key.buffer);
  readonly #value = new Uint8Array(8);
  readonly #valueView = new DataView(this.#value.buffer);
  readonly #keys: Uint8Array;
  readonly #values: Uint8Array;
  readonly #valuesView: DataView;
  /** Sum of values read, so no lookup result is dead. */
  checksum = 0;

  constructor(entries: number, batchSize: number, batchPasses: number) {
    this.#entries = entries;
    this.#batchPasses = batchPasses;
    this.#keys = new Uint8Array(batchSize * 4);
    this.#values = new Uint8Array(batchSize * 8);
    this.#valuesView = new DataView(this.#values.buffer);
  }

  run(op: Op): Measurement {
    switch (op) {
      case 'fill': return this.fill();
      case 'lookup': return this.lookup();
      case 'update': return this.update();
      case 'batch': return this.batch();
      case 'delete': return this.delete();
    }
  }

  #open(): BpfMap {
    if (!this.#map) throw new Error('map-ops: fill first');
    return this.#map;
  }

  /** Creates the map on first use and inserts every key (BPF_NOEXIST). */
  fill(): Measurement {
    this.#map ??= BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: this.#entries, name: MAP_NAME });
    const map = this.#map;
    const key = this.#key, keyView = this.#keyView, value = this.#value, valueView = this.#valueView;
    const n = this.#entries;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      keyView.setUint32(0, k, true);
      const v = k * 3;
      valueView.setUint32(0, v >>> 0, true);
      valueView.setUint32(4, Math.floor(v / 2 ** 32), true);
      map.update(key, value, UpdateFlag.NoExist);
    }
    return { ns: Number(process.hrtime.bigint() - t0), count: n };
  }

  /** Looks every key up through the map's zero-copy element: the key written in place, as C does. */
  lookup(): Measurement {
    const element = this.#open().element;
    const keyView = element.keyView, valueView = element.valueView;
    const n = this.#entries;
    let sum = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      keyView.setUint32(0, k, true);
      if (!element.lookup()) throw new Error(`map-ops: key ${k} missing`);
      sum += valueView.getUint32(0, true);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    this.checksum += sum;
    return { ns, count: n };
  }

  /** Updates every key in place (BPF_EXIST). */
  update(): Measurement {
    const element = this.#open().element;
    const keyView = element.keyView, valueView = element.valueView;
    const n = this.#entries;
    valueView.setUint32(4, 0, true);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      keyView.setUint32(0, k, true);
      valueView.setUint32(0, k + 1, true);
      element.update(UpdateFlag.Exist);
    }
    return { ns: Number(process.hrtime.bigint() - t0), count: n };
  }

  /** Batch lookup of the whole map, batchPasses times; count is the entries seen. */
  batch(): Measurement {
    const map = this.#open();
    const keys = this.#keys, values = this.#values, valuesView = this.#valuesView;
    let seen = 0;
    let sum = 0;
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < this.#batchPasses; p++) {
      const cursor = new MapBatchCursor();
      for (;;) {
        const count = map.lookupBatch(cursor, keys, values);
        seen += count;
        if (count) sum += valuesView.getUint32((count - 1) * 8, true);
        if (cursor.done) break;
      }
    }
    const ns = Number(process.hrtime.bigint() - t0);
    this.checksum += sum;
    return { ns, count: seen };
  }

  delete(): Measurement {
    const element = this.#open().element;
    const keyView = element.keyView;
    const n = this.#entries;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      keyView.setUint32(0, k, true);
      if (!element.delete()) throw new Error(`map-ops: delete of key ${k} found nothing`);
    }
    return { ns: Number(process.hrtime.bigint() - t0), count: n };
  }

  close(): void {
    this.#map?.close();
    this.#map = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const rounds = Number(process.argv[2] ?? 1);
  using side = new TsSide(100_000, 4096, 10);
  for (let r = 0; r < rounds; r++) {
    side.fill();
    const line: Record<string, number | string> = { side: 'ts' };
    for (const op of ['lookup', 'update', 'batch', 'delete'] as const) {
      const m = side.run(op);
      line[op] = Number((m.ns / m.count).toFixed(1));
    }
    console.log(JSON.stringify(line));
  }
}
