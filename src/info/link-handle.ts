/**
 * A link held open by fd, opened by id or pin, for inspection. Creating and detaching links belongs to
 * the link layer; holding a link's fd keeps the link (and its program) alive, so close it when done.
 */
import { bpf, FdOwner, FileDescriptor } from '../sys/index.js';
import { linkInfo, type LinkInfo } from './link-info.js';

export class LinkHandle extends FdOwner {

  /** Takes ownership of `fd`, an open link. */
  constructor(fd: FileDescriptor) {
    super(fd);
  }

  static fromId(id: number): LinkHandle {
    return new LinkHandle(new FileDescriptor(bpf.getFdById('LINK', id), `link ${id}`));
  }

  static fromFd(fd: FileDescriptor): LinkHandle {
    return new LinkHandle(fd);
  }

  get id(): number {
    return this.info().id;
  }

  info(): LinkInfo {
    return linkInfo(this.fd.value);
  }
}
