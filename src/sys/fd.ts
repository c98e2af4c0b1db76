/**
 * File descriptor ownership. Each kernel object handle (map, program, link, BTF, perf event) holds one
 * FileDescriptor; closing it is idempotent, using it afterwards is a ClosedError, and one the program
 * forgot is closed when the garbage collector finds it, so a leak can't outlive its owner forever.
 */
import { ClosedError } from '../errors.js';
import { close } from './ffi.js';

const forgotten = new FinalizationRegistry<number>((fd) => close(fd));

export class FileDescriptor {
  #fd: number;
  readonly #what: string;

  constructor(fd: number, what: string) {
    this.#fd = fd;
    this.#what = what;
    forgotten.register(this, fd, this);
  }

  /** The raw descriptor number; throws ClosedError after close(). */
  get value(): number {
    if (this.#fd < 0) throw new ClosedError(this.#what);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    forgotten.unregister(this);
    close(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Base of every handle that owns one fd (programs, BTF objects, links, statistics): `closed`,
 * `close()` and `[Symbol.dispose]` in one place. Subclasses that own more than the fd override close().
 */
export class FdOwner implements Disposable {
  readonly fd: FileDescriptor;

  constructor(fd: FileDescriptor) {
    this.fd = fd;
  }

  get closed(): boolean {
    return this.fd.closed;
  }

  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
