/** A map seen through codecs: JS keys and values in, JS keys and values out. */
import { InvalidArgumentError } from '../errors.js';
import type { Codec } from './codecs.js';
import { isPerCpuType, roundUp8 } from './per-cpu.js';
import { possibleCpuCount } from '../sys/index.js';
import type { MapElement } from './map-element.js';

export interface TypedMapCodecs<K, V> {
  key: Codec<K>;
  value: Codec<V>;
}

/** What TypedMap needs of a map (BpfMap satisfies it). */
export interface ByteMap {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly valueBufferSize: number;
  readonly typeName: string;
  lookupInto(key: Uint8Array, out: Uint8Array, flags?: number): boolean;
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  delete(key: Uint8Array): boolean;
  keys(): IterableIterator<Uint8Array>;
  /** Zero-copy element access: TypedMap encodes and decodes straight in the map's native buffers. */
  readonly element: MapElement;
}

export class TypedMap<K, V> {
  readonly map: ByteMap;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;
  readonly #perCpu: boolean;

  constructor(map: ByteMap, codecs: TypedMapCodecs<K, V>) {
    if (codecs.key.size !== map.keySize) {
      throw new InvalidArgumentError(`key codec is ${codecs.key.size} bytes but ${map.typeName} map keys are ${map.keySize}`);
    }
    if (codecs.value.size !== map.valueSize) {
      throw new InvalidArgumentError(`value codec is ${codecs.value.size} bytes but ${map.typeName} map values are ${map.valueSize}`);
    }
    this.map = map;
    this.#key = codecs.key;
    this.#value = codecs.value;
    this.#perCpu = isPerCpuType(map.type);
  }

  /** The map's element with `key` encoded into its native key buffer. */
  #element(key: K): MapElement {
    const element = this.map.element;
    this.#key.encode(key, element.keyView, 0);
    return element;
  }

  /** The value at `key`; for per-CPU maps, CPU 0's slot (use getPerCpu for all). */
  get(key: K): V | undefined {
    const element = this.#element(key);
    return element.lookup() ? this.#value.decode(element.valueView, 0) : undefined;
  }

  /** One value per possible CPU. */
  getPerCpu(key: K): V[] | undefined {
    this.#requirePerCpu('getPerCpu');
    const element = this.#element(key);
    return element.lookup() ? this.#decodePerCpu(element.valueView) : undefined;
  }

  /** Sets `key`; on a per-CPU map every CPU's slot gets `value`. */
  set(key: K, value: V, flags = 0): void {
    const element = this.#element(key);
    if (this.#perCpu) {
      const stride = roundUp8(this.map.valueSize);
      element.value.fill(0);
      for (let cpu = 0, n = possibleCpuCount(); cpu < n; cpu++) this.#value.encode(value, element.valueView, cpu * stride);
    } else {
      this.#value.encode(value, element.valueView, 0);
    }
    element.update(flags);
  }

  /** Sets one value per possible CPU. */
  setPerCpu(key: K, values: readonly V[], flags = 0): void {
    this.#requirePerCpu('setPerCpu');
    const cpus = possibleCpuCount();
    if (values.length !== cpus) throw new InvalidArgumentError(`expected ${cpus} values (one per possible CPU), got ${values.length}`);
    const stride = roundUp8(this.map.valueSize);
    const element = this.#element(key);
    element.value.fill(0);
    values.forEach((value, cpu) => this.#value.encode(value, element.valueView, cpu * stride));
    element.update(flags);
  }

  delete(key: K): boolean {
    return this.#element(key).delete();
  }

  has(key: K): boolean {
    return this.#element(key).lookup();
  }

  *keys(): IterableIterator<K> {
    for (const key of this.map.keys()) yield this.#key.decode(new DataView(key.buffer, key.byteOffset, key.length), 0);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const key of this.keys()) {
      const value = this.get(key);
      if (value !== undefined) yield [key, value];
    }
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /** Per-CPU maps: [key, one value per CPU] pairs. */
  *entriesPerCpu(): IterableIterator<[K, V[]]> {
    this.#requirePerCpu('entriesPerCpu');
    for (const key of this.keys()) {
      const values = this.getPerCpu(key);
      if (values !== undefined) yield [key, values];
    }
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  #requirePerCpu(operation: string): void {
    if (!this.#perCpu) throw new InvalidArgumentError(`${operation} needs a per-CPU map, not ${this.map.typeName}`);
  }

  #decodePerCpu(view: DataView): V[] {
    const stride = roundUp8(this.map.valueSize);
    const out: V[] = [];
    for (let cpu = 0, n = possibleCpuCount(); cpu < n; cpu++) out.push(this.#value.decode(view, cpu * stride));
    return out;
  }
}
