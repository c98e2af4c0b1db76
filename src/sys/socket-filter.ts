/** SO_ATTACH_BPF / SO_DETACH_BPF (include/uapi/asm-generic/socket.h): a socket filter program on one socket. */
import { SystemError } from '../errors.js';
import { lastErrno, NativeMemory, setsockopt } from './ffi.js';

/** SOL_SOCKET and the option numbers (asm-generic; x86-64 and arm64 use these). */
const SocketOption = { SOL_SOCKET: 1, SO_ATTACH_BPF: 50, SO_DETACH_BPF: 27 } as const;

export function attachSocketFilter(socketFd: number, programFd: number): void {
  const value = new NativeMemory(4);
  try {
    value.view.setInt32(0, programFd, true);
    if (setsockopt(socketFd, SocketOption.SOL_SOCKET, SocketOption.SO_ATTACH_BPF, value.address, 4) < 0) {
      throw new SystemError('setsockopt(SO_ATTACH_BPF)', lastErrno(), 'give a socket fd and a socket filter program');
    }
  } finally {
    value.free();
  }
}

export function detachSocketFilter(socketFd: number): void {
  const value = new NativeMemory(4);
  try {
    if (setsockopt(socketFd, SocketOption.SOL_SOCKET, SocketOption.SO_DETACH_BPF, value.address, 4) < 0) {
      throw new SystemError('setsockopt(SO_DETACH_BPF)', lastErrno());
    }
  } finally {
    value.free();
  }
}
