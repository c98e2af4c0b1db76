/** EpollSet against real pollable kernel objects: BPF ring buffers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abi, bpf, closeRawFd, EpollSet } from './index.js';
import { ClosedError } from '../errors.js';
import { openFdCount } from '../test-support/kernel.js';

const RING_BYTES = 64 * 1024;

function ring(type: number): number {
  return bpf.mapCreate({ type, keySize: 0, valueSize: 0, maxEntries: RING_BYTES, name: 'tsbpf_epoll' });
}

test('a user ring buffer with room polls writable, an empty ring buffer does not poll readable', async () => {
  const before = openFdCount();
  const userRing = ring(abi.MapTypeId.USER_RINGBUF);
  const kernelRing = ring(abi.MapTypeId.RINGBUF);
  try {
    using set = new EpollSet(4);
    set.add(userRing, 7, abi.Epoll.OUT);
    set.add(kernelRing, 9, abi.Epoll.IN);
    const ready = set.waitSync(0);
    assert.deepEqual(ready.map((event) => event.tag), [7]);
    assert.ok(ready[0]!.events & abi.Epoll.OUT);
    // The async wait runs on a worker thread: the event loop keeps turning meanwhile.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    set.remove(userRing);
    const started = Date.now();
    const none = await set.wait(120);
    clearInterval(timer);
    assert.deepEqual(none, []);
    assert.ok(Date.now() - started >= 100, 'the wait returned before its timeout');
    assert.ok(ticks >= 5, `the event loop ran only ${ticks} times during the wait`);
  } finally {
    closeRawFd(userRing);
    closeRawFd(kernelRing);
  }
  assert.equal(openFdCount(), before);
});

test('a closed EpollSet refuses use and closes twice harmlessly', () => {
  const set = new EpollSet();
  set.close();
  set.close();
  assert.equal(set.closed, true);
  assert.throws(() => set.waitSync(0), ClosedError);
});
