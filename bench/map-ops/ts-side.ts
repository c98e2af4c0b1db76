/**
 * map-ops, the TypeScript side: the same round as map_ops.c, through tsbpf's public API. The bench runs
 * `tsRound` in its own process, alternating with the C binary; run this file directly
 * (`node dist/bench/map-ops/ts-side.js [ROUNDS]`) to get one JSON line per round, e.g. under
 * `node --cpu-prof` to see where the time goes.
 *
 * The hot loops do what the C loops do: one key buffer and one value buffer, the u32 key set in place per
 * iteration, no allocation per operation.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapBatchCursor, MapType, UpdateFlag } from '../../src/index.js';

export interface RoundResult {
  side: 'c' | 'ts';
  /** ns per operation */
  lookup: number;
  update: number;
  delete: number;
  /** ns per entry */
  batch: number;
  entries: number;
  batchSize: number;
  batchPasses: number;
  checksum: string;
}

export const MAP_NAME = 'bench_ts';

export function tsRound(entries: number, batchSize: number, batchPasses: number): RoundResult {
  const map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: entries, name: MAP_NAME });
  try {
    const key = new Uint8Array(4);
    const keyView = new DataView(key.buffer);
    const value = new Uint8Array(8);
    const valueView = new DataView(value.buffer);
    let checksum = 0;

    // fill (untimed)
    for (let k = 0; k < entries; k++) {
      keyView.setUint32(0, k, true);
      const v = k * 3;
      valueView.setUint32(0, v >>> 0, true);
      valueView.setUint32(4, Math.floor(v / 2 ** 32), true);
      map.update(key, value, UpdateFlag.NoExist);
    }

    // lookup every key
    let t0 = process.hrtime.bigint();
    for (let k = 0; k < entries; k++) {
      keyView.setUint32(0, k, true);
      if (!map.lookupInto(key, value)) throw new Error(`map-ops: key ${k} missing`);
      checksum += valueView.getUint32(0, true) + valueView.getUint32(4, true) * 2 ** 32;
    }
    const lookupNs = Number(process.hrtime.bigint() - t0);

    // update every key in place
    t0 = process.hrtime.bigint();
    for (let k = 0; k < entries; k++) {
      keyView.setUint32(0, k, true);
      valueView.setUint32(0, k + 1, true);
      valueView.setUint32(4, 0, true);
      map.update(key, value, UpdateFlag.Exist);
    }
    const updateNs = Number(process.hrtime.bigint() - t0);

    // batch lookup of the whole map, `batchPasses` times
    const keys = new Uint8Array(batchSize * 4);
    const values = new Uint8Array(batchSize * 8);
    const valuesView = new DataView(values.buffer);
    let batchEntries = 0;
    t0 = process.hrtime.bigint();
    for (let p = 0; p < batchPasses; p++) {
      const cursor = new MapBatchCursor();
      for (;;) {
        const count = map.lookupBatch(cursor, keys, values);
        batchEntries += count;
        if (count) checksum += valuesView.getUint32((count - 1) * 8, true);
        if (cursor.done) break;
      }
    }
    const batchNs = Number(process.hrtime.bigint() - t0);
    if (batchEntries !== entries * batchPasses) {
      throw new Error(`map-ops: batch lookup saw ${batchEntries} entries, expected ${entries * batchPasses}`);
    }

    // delete every key
    t0 = process.hrtime.bigint();
    for (let k = 0; k < entries; k++) {
      keyView.setUint32(0, k, true);
      if (!map.delete(key)) throw new Error(`map-ops: delete of key ${k} found nothing`);
    }
    const deleteNs = Number(process.hrtime.bigint() - t0);

    return {
      side: 'ts', lookup: lookupNs / entries, update: updateNs / entries, delete: deleteNs / entries,
      batch: batchNs / batchEntries, entries, batchSize, batchPasses, checksum: String(checksum),
    };
  } finally {
    map.close();
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
  for (let r = 0; r < rounds; r++) console.log(JSON.stringify(tsRound(100_000, 4096, 10)));
}
