/**
 * A loaded BTF object held open by fd: enough to read its info and raw data. Loading BTF from bytes
 * and parsing it belong to the BTF layer; this handle only covers what inspection needs.
 */
import { bpf, FdOwner, FileDescriptor } from '../sys/index.js';
import { btfData, btfInfo, type BtfInfo } from './btf-info.js';

export class BtfObject extends FdOwner {

  /** Takes ownership of `fd`, an open BTF object. */
  constructor(fd: FileDescriptor) {
    super(fd);
  }

  static fromId(id: number): BtfObject {
    return new BtfObject(new FileDescriptor(bpf.getFdById('BTF', id), `BTF object ${id}`));
  }

  static fromFd(fd: FileDescriptor): BtfObject {
    return new BtfObject(fd);
  }

  get id(): number {
    return this.info().id;
  }

  info(): BtfInfo {
    return btfInfo(this.fd.value);
  }

  /** The raw BTF bytes the kernel holds. */
  data(): Uint8Array {
    return btfData(this.fd.value);
  }
}
