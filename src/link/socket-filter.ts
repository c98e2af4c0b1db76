/**
 * Socket filters (`SEC("socket")`) on one socket, by its fd (`socket._handle.fd` for a Node socket, or
 * any fd a caller owns). The filter stays with the socket: close() of the attachment detaches it.
 */
import type { Program } from '../programs/program.js';
import { attachSocketFilter as attach, detachSocketFilter } from '../sys/socket-filter.js';
import { ProgramAttachment } from './attachment.js';

export function attachSocketFilter(program: Program, socketFd: number): ProgramAttachment {
  attach(socketFd, program.fd.value);
  return new ProgramAttachment(`socket fd ${socketFd}`, () => detachSocketFilter(socketFd));
}
