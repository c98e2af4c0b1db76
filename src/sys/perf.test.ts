/** perf_event_open and its ioctls on a real software event of this process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { abi, closeRawFd, perf } from './index.js';
import { SystemError } from '../errors.js';

/** The open flags /proc shows for `fd` (octal in fdinfo). */
function openFlags(fd: number): number {
  const match = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return Number.parseInt(match?.[1] ?? '0', 8);
}

test('a software perf event opens, enables and disables, and is a perf event fd', () => {
  const fd = perf.perfEventOpen({ type: abi.PerfType.SOFTWARE, config: abi.PerfSoftwareEvent.TASK_CLOCK, flags: abi.PerfAttrFlags.DISABLED }, 0, -1);
  try {
    assert.ok(fd > 2);
    assert.ok(openFlags(fd) & abi.OpenFlags.CLOEXEC, 'O_CLOEXEC set');
    perf.perfEventEnable(fd);
    perf.perfEventDisable(fd);
  } finally {
    closeRawFd(fd);
  }
});

test('a bad perf event is a SystemError with the errno and a hint', () => {
  assert.throws(() => perf.perfEventOpen({ type: 0xffff, config: 0 }, 0, -1), (error: unknown) => {
    assert.ok(error instanceof SystemError);
    assert.equal(error.syscall, 'perf_event_open');
    assert.ok(['ENOENT', 'EINVAL'].includes(error.code), error.code);
    assert.match(error.hint, /CAP_PERFMON/);
    return true;
  });
});

test('an ioctl on a file that is not a perf event is a SystemError naming the ioctl', () => {
  assert.throws(() => perf.perfEventEnable(0), (error: unknown) => error instanceof SystemError && /PERF_EVENT_IOC_ENABLE/.test(error.syscall));
});
