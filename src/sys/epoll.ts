/** epoll(7), owned: an EpollSet holds its fd and a native event array reused for every wait. */
import { SystemError } from '../errors.js';
import { Epoll, EpollEventLayouts } from './abi.js';
import { epollCreate, epollCtl, epollWait, epollWaitAsync, lastErrno, NativeMemory } from './ffi.js';
import { FileDescriptor } from './fd.js';

/** The layout of `struct epoll_event` on this machine (abi.ts stays free of Node globals for the browser). */
const EpollEventLayout = process.arch === 'x64' ? EpollEventLayouts.packed : EpollEventLayouts.aligned;

export interface ReadyEvent {
  /** The 32-bit tag given to add(). */
  tag: number;
  events: number;
}

export class EpollSet {
  readonly #fd: FileDescriptor;
  readonly #events: NativeMemory;
  readonly #capacity: number;
  readonly #one = new NativeMemory(EpollEventLayout.size);

  constructor(capacity = 64) {
    const fd = epollCreate(Epoll.CLOEXEC);
    if (fd < 0) throw new SystemError('epoll_create1', lastErrno());
    this.#fd = new FileDescriptor(fd, 'epoll set');
    this.#capacity = capacity;
    this.#events = new NativeMemory(capacity * EpollEventLayout.size);
  }

  /** Watches `fd` for `events` (EPOLLIN by default); `tag` comes back in ReadyEvent. */
  add(fd: number, tag: number, events: number = Epoll.IN): void {
    this.#one.view.setUint32(EpollEventLayout.events, events, true);
    this.#one.view.setBigUint64(EpollEventLayout.data, BigInt(tag), true);
    if (epollCtl(this.#fd.value, Epoll.CTL_ADD, fd, this.#one.address) < 0) throw new SystemError('epoll_ctl', lastErrno());
  }

  remove(fd: number): void {
    if (epollCtl(this.#fd.value, Epoll.CTL_DEL, fd, 0) < 0) throw new SystemError('epoll_ctl', lastErrno());
  }

  /** Blocks the thread up to `timeoutMs` (-1: forever); EINTR counts as no events. */
  waitSync(timeoutMs: number): ReadyEvent[] {
    const count = epollWait(this.#fd.value, this.#events.address, this.#capacity, timeoutMs);
    return this.#collect(count, count < 0 ? lastErrno() : 0);
  }

  /** Waits on a worker thread, so the event loop runs meanwhile. */
  async wait(timeoutMs: number): Promise<ReadyEvent[]> {
    const { result, errno } = await epollWaitAsync(this.#fd.value, this.#events.address, this.#capacity, timeoutMs);
    return this.#collect(result, errno);
  }

  #collect(count: number, errno: number): ReadyEvent[] {
    if (count < 0) {
      if (errno === 4) return [];
      throw new SystemError('epoll_wait', errno);
    }
    const ready: ReadyEvent[] = [];
    for (let i = 0; i < count; i++) {
      const offset = i * EpollEventLayout.size;
      const events = this.#events.view.getUint32(offset + EpollEventLayout.events, true);
      ready.push({ events, tag: this.#events.view.getUint32(offset + EpollEventLayout.data, true) });
    }
    return ready;
  }

  get closed(): boolean {
    return this.#fd.closed;
  }

  close(): void {
    if (this.#fd.closed) return;
    this.#fd.close();
    this.#events.free();
    this.#one.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
