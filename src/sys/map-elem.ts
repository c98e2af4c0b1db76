/**
 * Element commands on one map through a prepared attribute block. The map fd and the addresses of its
 * key and value scratch never change, so they are written once; each call sets only the flags and
 * issues the syscall. This is the hot path of map access: no zeroing, no BigInt, no allocation.
 */
import { BpfError, Errno } from '../errors.js';
import { BpfCommand, MapElemAttr } from './abi.js';
import { bpf, lastErrno, NativeMemory } from './ffi.js';

export class PreparedMapElem {
  readonly #attr = new NativeMemory(MapElemAttr.size);
  readonly #view = this.#attr.view;
  readonly #address = this.#attr.address;
  readonly #value: number;
  /** `key` is 0 for maps without keys (queue, stack, bloom filter). */
  constructor(fd: number, key: number, value: number) {
    this.#value = value;
    this.#view.setUint32(MapElemAttr.map_fd, fd, true);
    setAddress(this.#view, MapElemAttr.key, key);
    setAddress(this.#view, MapElemAttr.value, value);
  }

  #run(command: number, flags: number): number {
    const view = this.#view;
    view.setUint32(MapElemAttr.flags, flags >>> 0, true);
    view.setUint32(MapElemAttr.flags + 4, Math.floor(flags / 0x1_0000_0000), true);
    const result = bpf(command, this.#address, MapElemAttr.size);
    return result < 0 ? -lastErrno() : result;
  }

  /** Looks the key up into the value scratch; false when absent. */
  lookup(flags: number): boolean {
    const result = this.#run(BpfCommand.MAP_LOOKUP_ELEM, flags);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw new BpfError('MAP_LOOKUP_ELEM', -result);
  }

  update(flags: number): void {
    const result = this.#run(BpfCommand.MAP_UPDATE_ELEM, flags);
    if (result < 0) throw new BpfError('MAP_UPDATE_ELEM', -result);
  }

  /** Deletes the key; false when absent. */
  delete(): boolean {
    // 6.18 refuses a delete whose value member is set (EINVAL), so it is cleared around the call.
    setAddress(this.#view, MapElemAttr.value, 0);
    const result = this.#run(BpfCommand.MAP_DELETE_ELEM, 0);
    setAddress(this.#view, MapElemAttr.value, this.#value);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw new BpfError('MAP_DELETE_ELEM', -result);
  }

  /** Takes the key's value (or the head of a queue/stack) into the value scratch; false when empty. */
  lookupAndDelete(flags: number): boolean {
    const result = this.#run(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, flags);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw new BpfError('MAP_LOOKUP_AND_DELETE_ELEM', -result);
  }

  free(): void {
    this.#attr.free();
  }
}

function setAddress(view: DataView, offset: number, address: number): void {
  view.setUint32(offset, address >>> 0, true);
  view.setUint32(offset + 4, Math.floor(address / 0x1_0000_0000), true);
}
