/**
 * The one FFI binding: libc entry points through koffi (prebuilt, no compiler at install). Everything
 * here is synchronous and raw: numbers in, numbers out, errno read right after the call. Typed
 * commands live in bpf.ts and perf.ts; nothing outside `sys/` imports this file.
 */
import koffi from 'koffi';
import { Mmap, SyscallNumbers } from './abi.js';
import { NotSupportedError } from '../errors.js';

const numbers = SyscallNumbers[process.arch];
if (!numbers || process.platform !== 'linux') {
  throw new NotSupportedError(`tsbpf on ${process.platform}/${process.arch}`, 'BPF needs Linux on x64, arm64 or riscv64');
}
const libc = koffi.load('libc.so.6');

// syscall(2) is variadic in C, but glibc's implementation reads its arguments as plain registers, so a
// fixed prototype is correct on every supported architecture and avoids koffi's slower variadic path.
const syscall3 = libc.func('long syscall(long nr, long a, long b, long c)');
const syscall5 = libc.func('long syscall(long nr, long a, long b, long c, long d, long e)');
const closeFn = libc.func('int close(int fd)');
const mmapFn = libc.func('void *mmap(long addr, size_t length, int prot, int flags, int fd, long offset)');
const munmapFn = libc.func('int munmap(long addr, size_t length)');
const ioctlFn = libc.func('int ioctl(int fd, unsigned long request, long arg)');
const epollCreateFn = libc.func('int epoll_create1(int flags)');
const epollCtlFn = libc.func('int epoll_ctl(int epfd, int op, int fd, long event)');
const epollWaitFn = libc.func('int epoll_wait(int epfd, long events, int maxevents, int timeout)');
const mountFn = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
const socketFn = libc.func('int socket(int domain, int type, int protocol)');
const sendFn = libc.func('long send(int fd, long buf, size_t length, int flags)');
const recvFn = libc.func('long recv(int fd, long buf, size_t length, int flags)');
const setsockoptFn = libc.func('int setsockopt(int fd, int level, int name, long value, unsigned int length)');

/** errno of the last failed call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** bpf(cmd, attr, size): returns the result, or -1 with lastErrno() set. */
export function bpf(cmd: number, attrAddress: number, size: number): number {
  return Number(syscall3(numbers.bpf, cmd, attrAddress, size));
}

/** perf_event_open(attr, pid, cpu, group_fd, flags). */
export function perfEventOpen(attrAddress: number, pid: number, cpu: number, groupFd: number, flags: number): number {
  return Number(syscall5(numbers.perfEventOpen, attrAddress, pid, cpu, groupFd, flags));
}

export function close(fd: number): number {
  return closeFn(fd);
}

export function ioctl(fd: number, request: number, arg: number): number {
  return ioctlFn(fd, request, arg);
}

export function epollCreate(flags: number): number {
  return epollCreateFn(flags);
}

export function epollCtl(epfd: number, op: number, fd: number, eventAddress: number): number {
  return epollCtlFn(epfd, op, fd, eventAddress);
}

export function epollWait(epfd: number, eventsAddress: number, maxEvents: number, timeoutMs: number): number {
  return epollWaitFn(epfd, eventsAddress, maxEvents, timeoutMs);
}

/** epoll_wait on koffi's worker thread, so the event loop keeps running while the kernel blocks. */
export function epollWaitAsync(epfd: number, eventsAddress: number, maxEvents: number, timeoutMs: number): Promise<{ result: number; errno: number }> {
  return new Promise((resolve, reject) => {
    epollWaitFn.async(epfd, eventsAddress, maxEvents, timeoutMs, (error: unknown, result: number) => {
      if (error) reject(error);
      else resolve({ result, errno: result < 0 ? koffi.errno() : 0 });
    });
  });
}

export function mount(source: string, target: string, fstype: string, flags: number): number {
  return mountFn(source, target, fstype, flags, null);
}

/** socket(2), for netlink: returns the fd, or -1 with lastErrno() set. */
export function socket(domain: number, type: number, protocol: number): number {
  return socketFn(domain, type, protocol);
}

/** send(2) from native memory: bytes sent, or -1 with lastErrno() set. */
export function send(fd: number, bufferAddress: number, length: number, flags: number): number {
  return Number(sendFn(fd, bufferAddress, length, flags));
}

/** recv(2) into native memory: bytes received (the whole datagram's size with MSG_TRUNC), or -1. */
export function recv(fd: number, bufferAddress: number, length: number, flags: number): number {
  return Number(recvFn(fd, bufferAddress, length, flags));
}

/** setsockopt(2) with a value in native memory: 0, or -1 with lastErrno() set. */
export function setsockopt(fd: number, level: number, name: number, valueAddress: number, length: number): number {
  return setsockoptFn(fd, level, name, valueAddress, length);
}

/** A mapping: its address, and an ArrayBuffer over it (zero copy). */
export interface Mapping {
  address: number;
  length: number;
  buffer: ArrayBuffer;
}

/** mmap(2); returns null with lastErrno() set on failure. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset: number, address = 0): Mapping | null {
  const pointer = mmapFn(address, length, prot, flags, fd, offset);
  const mapped = Number(koffi.address(pointer));
  if (pointer === null || mapped === 2 ** 64 - 1 || BigInt.asIntN(64, koffi.address(pointer)) === BigInt(Mmap.FAILED)) return null;
  return { address: mapped, length, buffer: koffi.view(pointer, length) };
}

export function munmap(address: number, length: number): number {
  return munmapFn(address, length);
}

const unreachableMemory = new FinalizationRegistry<unknown>((pointer) => koffi.free(pointer));

/**
 * Memory outside the JS heap at a fixed address, for everything the kernel reads or writes through a
 * pointer (attribute unions, keys, values, logs). JS sees it through `bytes` and `view`, zero copy.
 */
export class NativeMemory {
  readonly address: number;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  #pointer: unknown;

  constructor(length: number) {
    this.length = Math.max(length, 8);
    this.#pointer = koffi.alloc('uint8_t', this.length);
    this.address = Number(koffi.address(this.#pointer));
    const buffer = koffi.view(this.#pointer, this.length);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.bytes.fill(0);
  }

  /**
   * Frees the memory once no view of it (`bytes`, `view`, or any array over their buffer) is reachable:
   * for memory whose views were handed to callers, who could otherwise write into freed memory.
   */
  freeWhenUnreachable(): void {
    if (this.#pointer === null) return;
    unreachableMemory.register(this.bytes.buffer, this.#pointer);
    this.#pointer = null;
  }

  /** Releases the memory now; the views must not be used afterwards. Safe to call twice. */
  free(): void {
    if (this.#pointer === null) return;
    koffi.free(this.#pointer);
    this.#pointer = null;
  }
}
