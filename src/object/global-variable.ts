/**
 * A global variable of an object (`const volatile int min_us = 0;`) read and written by name with its
 * BTF type: before load it edits the data map's initial value (how libbpf-tools sets .rodata
 * filters); after load the same object reads and writes the live map through its mmap.
 */
import type { Btf } from '../btf/btf.js';
import { decodeBtfValue, encodeBtfValue, type BtfValue } from '../btf/value-codec.js';
import { InvalidArgumentError } from '../errors.js';
import type { VariableSpec } from './object-maps.js';

export class GlobalVariable {
  readonly name: string;
  /** The data section (.rodata, .bss, .data.name, ...). */
  readonly section: string;
  readonly offset: number;
  readonly size: number;
  readonly typeId: number;
  readonly #btf: Btf | undefined;
  readonly #storage: () => Uint8Array;
  readonly #writable: () => boolean;

  constructor(spec: VariableSpec, storage: () => Uint8Array, btf: Btf | undefined, writable: () => boolean = () => true) {
    this.name = spec.name;
    this.section = spec.section;
    this.offset = spec.offset;
    this.size = spec.size;
    this.typeId = spec.typeId;
    this.#btf = btf;
    this.#storage = storage;
    this.#writable = writable;
  }

  /** The variable's bytes (a live view: after load, of the map's memory). */
  get bytes(): Uint8Array {
    return this.#storage().subarray(this.offset, this.offset + this.size);
  }

  /** The value as its BTF type says (number, bigint, boolean, string, array, object). */
  get(): BtfValue | Uint8Array {
    if (!this.#btf || this.typeId === 0) return this.bytes.slice();
    return decodeBtfValue(this.#btf, this.typeId, this.#storage(), this.offset);
  }

  /** Writes the value, checked against the BTF type; raw bytes of the right size are accepted too. */
  set(value: BtfValue | Uint8Array): void {
    if (!this.#writable()) {
      throw new InvalidArgumentError(`variable '${this.name}' in ${this.section} is read-only now`, `${this.section} is frozen at load: set it on the spec before loading`);
    }
    if (value instanceof Uint8Array) {
      if (value.length !== this.size) throw new InvalidArgumentError(`variable '${this.name}' is ${this.size} bytes, got ${value.length}`);
      this.bytes.set(value);
      return;
    }
    if (!this.#btf || this.typeId === 0) throw new InvalidArgumentError(`variable '${this.name}' has no BTF type`, 'set it with a Uint8Array of its size, or compile with -g');
    // encode into a scratch copy first so a bad value leaves the variable unchanged
    const scratch = this.bytes.slice();
    encodeBtfValue(this.#btf, this.typeId, value, scratch, 0, this.name);
    this.bytes.set(scratch);
  }
}

export type GlobalVariables = Readonly<Record<string, GlobalVariable>>;

/** Variables by name (a static variable shadowed by a global of the same name keeps the first). */
export function globalVariables(specs: readonly VariableSpec[], storage: (section: string) => Uint8Array, btf: Btf | undefined, writable: (section: string) => boolean = () => true): GlobalVariables {
  const variables: Record<string, GlobalVariable> = Object.create(null) as Record<string, GlobalVariable>;
  for (const spec of specs) {
    if (spec.name in variables) continue;
    variables[spec.name] = new GlobalVariable(spec, () => storage(spec.section), btf, () => writable(spec.section));
  }
  return Object.freeze(variables);
}
