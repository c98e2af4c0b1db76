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
  #flags = 0;
  /** `key` is 0 for maps without keys (queue, stack, bloom filter). */
  constructor(fd: number, key: number, value: number) {
    this.#view.setUint32(MapElemAttr.map_fd, fd, true);
    setAddress(this.#view, MapElemAttr.key, key);
    setAddress(this.#view, MapElemAttr.value, value);
  }

  #run(command: number, flags: number, size: number = MapElemAttr.size): number {
    if (flags !== this.#flags) this.#setFlags(flags);
    const result = bpf(command, this.#address, size);
    return result < 0 ? -lastErrno() : result;
  }

  /** Flags rarely change between calls on one map, so they are written only when they do. */
  #setFlags(flags: number): void {
    this.#view.setUint32(MapElemAttr.flags, flags >>> 0, true);
    this.#view.setUint32(MapElemAttr.flags + 4, Math.floor(flags / 0x1_0000_0000), true);
    this.#flags = flags;
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
    // BPF_MAP_DELETE_ELEM ends at `key`: the kernel refuses (EINVAL) any non-zero byte after it, so the
    // command is passed only the bytes up to the value member, and the prepared value address stays put.
    const result = this.#run(BpfCommand.MAP_DELETE_ELEM, 0, MapElemAttr.value);
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
