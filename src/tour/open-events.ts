/**
 * Step 4's traffic and its events: the tour opens a few files itself (one of them a unique path that does
 * not exist, so it fails with ENOENT) and prints what opensnoop's exit program sent about them, decoded
 * from the object's BTF `struct event`, in opensnoop's columns.
 */
import { closeSync, openSync } from 'node:fs';
import type { BpfObject, EventRecord } from '../index.js';
import { left, right } from '../tools/common/output.js';

/** What user space saw of one open: the descriptor, or the errno name and number. */
export interface OpenAttempt {
  path: string;
  fd?: number;
  errno?: number;
  code?: string;
}

/** opensnoop's struct event (opensnoop.h), as the BTF decoder gives it. */
export interface OpenEvent {
  pid: number;
  tid: number;
  uid: number;
  ret: number;
  flags: number;
  mode: number;
  comm: string;
  fname: string;
}

/** A path no one else opens: the failing open the learner looks for. */
export function missingPath(): string {
  return `/tmp/tsbpf-tour-${process.pid}-${Date.now().toString(36)}-does-not-exist`;
}

/**
 * Opens each path read-only (one openat(2) each; Node's openSync calls it on this thread), holding the
 * fds until all are open so each event shows its own number, then closes them.
 */
export function openEach(paths: readonly string[]): OpenAttempt[] {
  const attempts: OpenAttempt[] = [];
  try {
    for (const path of paths) {
      try {
        attempts.push({ path, fd: openSync(path, 'r') });
      } catch (error) {
        const { errno, code } = error as { errno?: number; code?: string };
        attempts.push({ path, errno: Math.abs(errno ?? 0), code: code ?? 'error' });
      }
    }
  } finally {
    for (const attempt of attempts) if (attempt.fd !== undefined) closeSync(attempt.fd);
  }
  return attempts;
}

export function attemptText(attempt: OpenAttempt): string {
  return attempt.fd !== undefined
    ? `open("${attempt.path}") = ${attempt.fd}\n`
    : `open("${attempt.path}") failed: ${attempt.code} (errno ${attempt.errno})\n`;
}

export const OPENSNOOP_HEADER = `${left('PID', 6)} ${left('COMM', 16)} ${right('FD', 3)} ${right('ERR', 3)} PATH\n`;

/** One event as `tsbpf opensnoop` prints it: FD -1 and the errno for a failed open. */
export function eventText(event: OpenEvent): string {
  const fd = event.ret >= 0 ? event.ret : -1;
  const errno = event.ret >= 0 ? 0 : -event.ret;
  return `${left(event.pid, 6)} ${left(event.comm, 16)} ${right(fd, 3)} ${right(errno, 3)} ${event.fname}\n`;
}

/** A decoder from ring or perf buffer records to events. */
export function eventDecoder(object: BpfObject): (record: EventRecord) => OpenEvent {
  const decode = object.decoder('struct event');
  return (record) => decode(record.area, record.offset) as unknown as OpenEvent;
}
