/**
 * Module BTF objects held open for one load: a module's typed ksym goes into ld_imm64 as its BTF fd, a
 * module kfunc call names its BTF by index into the program's fd_array. The kernel keeps its own
 * references once the programs load, so the load closes these when it ends.
 */
import { BtfObject } from '../info/btf-object.js';
import { btfInfoById } from '../info/btf-info.js';
import { btfIds } from '../info/ids.js';
import { NotSupportedError } from '../errors.js';

export class ModuleBtfHandles implements Disposable {
  readonly #names: readonly string[];
  readonly #open = new Map<number, BtfObject>();
  /** fd_array as the kernel reads it: index 0 stands for vmlinux and is never read for kfuncs. */
  readonly fdArray: number[] = [0];
  readonly #arrayIndex = new Map<number, number>();

  /** `names[i]` is the module of kernel BTF index i + 1 (index 0 is vmlinux). */
  constructor(names: readonly string[]) {
    this.#names = names;
  }

  /** An open fd for kernel BTF index `btfIndex` (1.. for modules). */
  fd(btfIndex: number): number {
    let handle = this.#open.get(btfIndex);
    if (!handle) {
      const name = this.#names[btfIndex - 1];
      const id = name === undefined ? undefined : [...btfIds()].find((candidate) => {
        try {
          const info = btfInfoById(candidate);
          return info.kernelBtf && info.name === name;
        } catch {
          return false; // gone between listing and reading
        }
      });
      if (id === undefined) throw new NotSupportedError(`module BTF '${name ?? btfIndex}'`, 'the kernel no longer lists it (module unloaded?)', 'load the module and retry');
      handle = BtfObject.fromId(id);
      this.#open.set(btfIndex, handle);
    }
    return handle.fd.value;
  }

  /** The fd_array index of kernel BTF index `btfIndex`, adding it on first use. */
  arrayIndex(btfIndex: number): number {
    let index = this.#arrayIndex.get(btfIndex);
    if (index === undefined) {
      index = this.fdArray.length;
      this.fdArray.push(this.fd(btfIndex));
      this.#arrayIndex.set(btfIndex, index);
    }
    return index;
  }

  close(): void {
    for (const handle of this.#open.values()) handle.close();
    this.#open.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
