/**
 * The kernel's BTF objects as `bpftool btf list` sees them: each object with the programs and maps
 * that use it. Objects loaded or freed during the walk are skipped, not errors (a busy system does that).
 */
import { BpfError, Errno } from '../errors.js';
import { btfIds, btfInfoById, mapIds, mapInfoById, programIds, programInfoById, type BtfInfo } from '../info/index.js';

export interface BtfListing extends BtfInfo {
  /** Programs whose BTF this is, in bpftool's order (its hashmap's). */
  programIds: number[];
  /** Maps whose BTF this is, in bpftool's order. */
  mapIds: number[];
}

/** Runs `read`, or returns undefined when the object vanished between its id and its fd (ENOENT). */
export function unlessGone<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof BpfError && error.errno === Errno.ENOENT) return undefined;
    throw error;
  }
}

/**
 * The order bpftool prints an object's users in: it appends (BTF id → user id) pairs to a libbpf
 * hashmap keyed by the id itself and walks one key's bucket. A bucket is a list that takes new entries
 * at its head, and a table that grows (to keep size+1 within 3/4 of its capacity, at least 4 buckets)
 * re-adds every entry bucket by bucket, which reverses runs of them. Reproducing that walk is the only
 * way to print the same order; the hash is libbpf's Fibonacci hash (key × 2^64/φ, top bits).
 */
class LibbpfHashmapOrder {
  #bits = 0;
  #size = 0;
  #buckets: [number, number][][] = [];

  static #hash(key: number, bits: number): number {
    if (bits === 0) return 0;
    return Number(BigInt.asUintN(64, BigInt(key) * 11400714819323198485n) >> BigInt(64 - bits));
  }

  append(key: number, value: number): void {
    const capacity = this.#buckets.length;
    if (capacity === 0 || Math.floor(((this.#size + 1) * 4) / 3) > capacity) this.#grow();
    this.#buckets[LibbpfHashmapOrder.#hash(key, this.#bits)]!.unshift([key, value]);
    this.#size += 1;
  }

  #grow(): void {
    const bits = Math.max(this.#bits + 1, 2);
    const buckets: [number, number][][] = Array.from({ length: 1 << bits }, () => []);
    for (const bucket of this.#buckets) {
      for (const entry of bucket) buckets[LibbpfHashmapOrder.#hash(entry[0], bits)]!.unshift(entry);
    }
    this.#bits = bits;
    this.#buckets = buckets;
  }

  values(key: number): number[] {
    if (this.#buckets.length === 0) return [];
    return this.#buckets[LibbpfHashmapOrder.#hash(key, this.#bits)]!.filter((entry) => entry[0] === key).map((entry) => entry[1]);
  }
}

/** BTF id → ids of the programs and maps that use it, in bpftool's order. */
function btfUsers(): { programs: LibbpfHashmapOrder; maps: LibbpfHashmapOrder } {
  const programs = new LibbpfHashmapOrder();
  const maps = new LibbpfHashmapOrder();
  for (const id of programIds()) {
    const info = unlessGone(() => programInfoById(id));
    if (info && info.btfId !== 0) programs.append(info.btfId, id);
  }
  for (const id of mapIds()) {
    const info = unlessGone(() => mapInfoById(id));
    if (info && info.btfId !== 0) maps.append(info.btfId, id);
  }
  return { programs, maps };
}

/** Every BTF object the kernel holds, by id. */
export function listBtf(): BtfListing[] {
  const users = btfUsers();
  const listing: BtfListing[] = [];
  for (const id of btfIds()) {
    const info = unlessGone(() => btfInfoById(id));
    if (info) listing.push({ ...info, programIds: users.programs.values(id), mapIds: users.maps.values(id) });
  }
  return listing;
}

/** One BTF object by id; throws BpfError (ENOENT) when there is none. */
export function btfDetails(id: number): BtfListing {
  const info = btfInfoById(id);
  const users = btfUsers();
  return { ...info, programIds: users.programs.values(id), mapIds: users.maps.values(id) };
}
