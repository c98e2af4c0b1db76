/**
 * The readers' epoll set, waited on asynchronously (on koffi's worker thread). Closing an epoll fd does
 * not wake a thread blocked on it, and the set's native event array must outlive that wait, so close()
 * during a wait wakes it on purpose: it adds a fresh user ring buffer map watched for EPOLLOUT, which
 * is writable at once, so epoll_wait returns; the set and that map are released when it does. Waits are
 * also cut into slices, so even a wakeup that fails to come ends the wait within a second.
 */
import { MapType } from '../maps/map-types.js';
import { BpfMap } from '../maps/map.js';
import { abi, EpollSet, type ReadyEvent } from '../sys/index.js';
import { systemPageSize } from './layout.js';

const WAIT_SLICE_MS = 1000;
/** The tag of the close wakeup; ring tags are indexes, far below it. */
const WAKE_TAG = 0xffff_ffff;

export class ReadyWaiter {
  readonly #epoll = new EpollSet();
  #inFlight: Promise<ReadyEvent[]> | null = null;
  #closing = false;
  #waker: BpfMap | null = null;

  add(fd: number, tag: number, events?: number): void {
    this.#epoll.add(fd, tag, events);
  }

  /** Blocks the thread (the event loop too) up to `timeoutMs` (-1: forever). */
  waitSync(timeoutMs: number): ReadyEvent[] {
    if (this.#closing) return [];
    return this.#epoll.waitSync(timeoutMs);
  }

  /** Waits up to `timeoutMs` (-1: until something is ready or the set is closed) without blocking the event loop. */
  async wait(timeoutMs: number): Promise<ReadyEvent[]> {
    if (timeoutMs === 0) return this.waitSync(0);
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      while (this.#inFlight) await this.#inFlight.catch(() => []);
      if (this.#closing) return [];
      const slice = Math.max(0, Math.min(WAIT_SLICE_MS, Math.ceil(deadline - performance.now())));
      const pending = this.#epoll.wait(slice);
      this.#inFlight = pending;
      let ready: ReadyEvent[];
      try {
        ready = await pending;
      } finally {
        this.#inFlight = null;
        if (this.#closing) this.#release();
      }
      if (this.#closing) return [];
      if (ready.length > 0 || performance.now() >= deadline) return ready;
    }
  }

  /** True once close() ran and no wait holds the set any more. */
  get released(): boolean {
    return this.#epoll.closed;
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#inFlight) {
      this.#release();
      return;
    }
    try {
      this.#waker = BpfMap.create({ type: MapType.UserRingBuf, keySize: 0, valueSize: 0, maxEntries: systemPageSize() });
      this.#epoll.add(this.#waker.fd.value, WAKE_TAG, abi.Epoll.OUT);
    } catch {
      // No wakeup: the wait ends with its slice instead.
    }
  }

  #release(): void {
    this.#epoll.close();
    this.#waker?.close();
    this.#waker = null;
  }
}
