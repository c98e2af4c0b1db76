/**
 * The pre-5.15 way onto a perf event (PERF_EVENT_IOC_SET_BPF + ENABLE, no BPF link), forced on this kernel:
 * a tracepoint program counts this process's getppid calls while attached, detach() (which closes) and close() stop it,
 * and what a link-less attachment can't do is refused, typed. attachPerfEvent falls back to it only
 * where the kernel refuses the perf event link itself (EINVAL), which no kernel of the matrix does; so do
 * legacy tracefs probes (ProbeEventAttachment, forced here on a uprobe event).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { openObject, type BpfObject } from '../loader/index.js';
import { abi, FileDescriptor, perf } from '../sys/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { openUprobeEvent, ownProbeEvents, probeEventsFile, ProbeEventAttachment } from './kprobe-legacy.js';
import { PerfEventAttachment } from './perf-event-ioctl.js';
import { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';
import { tracepointId } from './tracepoint.js';
import { getppid, loadForThisProcess } from './traced-object.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = typeof built === 'string' ? '' : built.path('loader/link_hooks.bpf.o');

const loadHooks = (): Promise<BpfObject> => loadForThisProcess(path);

const hits = (object: BpfObject) => object.variables.tp_hits!.get() as bigint;

function tracepointEvent(): FileDescriptor {
  const id = tracepointId('syscalls', 'sys_enter_getppid');
  return new FileDescriptor(perf.perfEventOpen({ type: abi.PerfType.TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1 }, -1, 0), 'tracepoint syscalls/sys_enter_getppid');
}

test('PERF_EVENT_IOC_SET_BPF: a tracepoint program counts while attached; detach() (which closes) and close() stop it; no fd or object left', { skip }, async () => {
  const before = kernelSnapshot();
  {
    using object = await loadHooks();
    const attachment = new PerfEventAttachment(object.programs.on_getppid!, tracepointEvent(), 'tracepoint syscalls/sys_enter_getppid');
    getppid(4);
    assert.equal(hits(object), 4n);
    attachment.detach(); // closes: the event going is what takes the program off
    getppid(3);
    assert.equal(hits(object), 4n, 'detached: no more runs');
    attachment.close(); // harmless after detach

    const again = new PerfEventAttachment(object.programs.on_getppid!, tracepointEvent(), 'tracepoint syscalls/sys_enter_getppid');
    getppid(2);
    assert.equal(hits(object), 6n);
    for (const refused of [() => again.info(), () => again.id, () => again.pin('/sys/fs/bpf/x'), () => again.update(object.programs.on_getppid!)]) {
      assert.throws(refused, (error: unknown) => error instanceof NotSupportedError && /PERF_EVENT_IOC_SET_BPF/.test(error.message));
    }
    again.close();
    getppid(2);
    assert.equal(hits(object), 6n, 'closed: the event and the program part');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

test('a program the event refuses: the ioctl\'s error, and the perf event closed', { skip }, async () => {
  using object = await loadHooks();
  const event = tracepointEvent();
  // a raw tracepoint program can't hang on a tracepoint perf event
  assert.throws(() => new PerfEventAttachment(object.programs.on_raw_sys_enter!, event, 'tracepoint syscalls/sys_enter_getppid'), /PERF_EVENT_IOC_SET_BPF/);
  assert.throws(() => event.value, 'the event fd was closed');
});

test('a tracefs uprobe without a BPF link (what attachUprobeLegacy falls back to before 5.15): counts, refuses id/info/pin/update, close() removes the event', { skip: skip || (typeof probeEventsFile('uprobe') === 'string' ? false : 'this kernel has no uprobe_events') }, async () => {
  const before = kernelSnapshot();
  {
    using object = await loadHooks();
    const libc = resolveBinaryPath('libc.so.6');
    const opened = openUprobeEvent(libc, functionFileOffset(libc, 'getppid'), { functionName: 'getppid', pid: process.pid });
    const attachment = new ProbeEventAttachment(object.programs.on_uprobe!, opened.perfEvent, opened.target, opened.event);
    try {
      assert.deepEqual(ownProbeEvents('uprobe'), [`${opened.event.group}/${opened.event.name}`]);
      const start = object.variables.uprobe_hits!.get() as bigint;
      getppid(3);
      assert.equal((object.variables.uprobe_hits!.get() as bigint) - start, 3n);
      for (const refused of [() => attachment.info(), () => attachment.id, () => attachment.pin('/sys/fs/bpf/x'), () => attachment.update(object.programs.on_uprobe!)]) {
        assert.throws(refused, (error: unknown) => error instanceof NotSupportedError && /PERF_EVENT_IOC_SET_BPF/.test(error.message));
      }
    } finally {
      attachment.close();
    }
    assert.deepEqual(ownProbeEvents('uprobe'), [], 'the tracefs event went with it');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});
