/**
 * Zero-copy element access: the map's own native key and value buffers, exposed. Write the key into
 * `key` (or through `keyView`), call lookup/update/delete, read the value from `value`. Nothing is
 * copied between JS and native memory, which is what a hot loop wants (the same thing C does with a
 * key on its stack). The buffers stay valid memory after the map closes; the calls then throw.
 */
import type { FileDescriptor, PreparedMapElem } from '../sys/index.js';

export class MapElement {
  /** The key, keySize bytes, in the memory the kernel reads. */
  readonly key: Uint8Array;
  readonly keyView: DataView;
  /** The value, valueBufferSize bytes (all CPUs' slots for per-CPU maps). */
  readonly value: Uint8Array;
  readonly valueView: DataView;
  readonly #fd: FileDescriptor;
  readonly #elem: PreparedMapElem;

  constructor(fd: FileDescriptor, elem: PreparedMapElem, key: Uint8Array, value: Uint8Array) {
    this.#fd = fd;
    this.#elem = elem;
    this.key = key;
    this.keyView = new DataView(key.buffer, key.byteOffset, key.byteLength);
    this.value = value;
    this.valueView = new DataView(value.buffer, value.byteOffset, value.byteLength);
  }

  /** Reads the value at `key` into `value`; false when absent. */
  lookup(flags = 0): boolean {
    void this.#fd.value; // ClosedError once the map is closed
    return this.#elem.lookup(flags);
  }

  /** Writes `value` at `key`; flags are UpdateFlag.Any (default), NoExist, Exist, Lock. */
  update(flags = 0): void {
    void this.#fd.value;
    this.#elem.update(flags);
  }

  /** Deletes `key`; false when it was absent. */
  delete(): boolean {
    void this.#fd.value;
    return this.#elem.delete();
  }
}
