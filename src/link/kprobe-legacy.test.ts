/**
 * Legacy (tracefs) probes, forced with `mode: 'legacy'` so they run on kernels that also have the
 * probe PMUs: link_hooks' on_kprobe/on_uretprobe count this process's calls of __x64_sys_getppid
 * (Node makes one per read of process.ppid) and keep the return value; on_uprobe/on_uretprobe do
 * the same on libc's getppid. Each test checks the count while attached, none after close, and that
 * the probe event is gone from kprobe_events/uprobe_events. Kernels without kprobe_events (this host:
 * no CONFIG_KPROBES) skip the kprobe tests with the probed reason; the uprobe ones run wherever
 * tracefs has uprobe_events.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { loadObject, openObject, type BpfObject } from '../loader/index.js';
import { abi } from '../sys/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { attachKprobeLegacy, ownProbeEvents, ProbeEventLink, probeEventName, probeEventsFile, ProbeTargetError } from './kprobe-legacy.js';
import { attachKprobe, attachUprobe } from './probes.js';

const built = corpus();
const path = typeof built === 'string' ? '' : built.path('loader/link_hooks.bpf.o');
const kprobeEvents = probeEventsFile('kprobe');
const uprobeEvents = probeEventsFile('uprobe');
const kprobeSkip = typeof built === 'string' ? built : typeof kprobeEvents === 'string' ? false : kprobeEvents.missing;
const uprobeSkip = typeof built === 'string' ? built : typeof uprobeEvents === 'string' ? false : uprobeEvents.missing;
const syscall = '__x64_sys_getppid';

async function loadHooks(): Promise<BpfObject> {
  const spec = await openObject(path);
  spec.variables.target_tgid!.set(process.pid);
  return loadObject(spec);
}

const counter = (object: BpfObject, name: string) => object.variables[name]!.get() as bigint;
const openFds = () => readdirSync('/proc/self/fd').length;

function getppid(count: number): void {
  for (let i = 0; i < count; i++) void process.ppid;
}

test('event names: tsbpf_PID_WHAT_N, only letters, digits and _, within the kernel\'s 63 characters', () => {
  const name = probeEventName('my.func/with:odd-chars');
  assert.match(name, new RegExp(`^tsbpf_${process.pid}_my_func_with_odd_chars_\\d+$`));
  const long = probeEventName('x'.repeat(200));
  assert.ok(long.length <= 63, `${long.length}`);
  assert.match(long, /_\d+$/, 'the counter survives the cut');
  assert.notEqual(probeEventName('same'), probeEventName('same'), 'unique per call');
});

test(`legacy kprobe and kretprobe on ${syscall}: counted, none after close, events removed`, { skip: kprobeSkip }, async () => {
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using object = await loadHooks();
    getppid(1);
    const parent = BigInt(process.ppid); // read before attaching: the read is itself a getppid call
    // `using`: a failed assertion still closes the links and removes their events
    using entry = attachKprobe(object.programs.on_kprobe!, syscall, { mode: 'legacy' });
    using exit = attachKprobe(object.programs.on_uretprobe!, syscall, { mode: 'legacy', returnProbe: true, maxActive: 8 });
    assert.ok(entry instanceof ProbeEventLink && exit instanceof ProbeEventLink);
    assert.deepEqual(ownProbeEvents('kprobe').sort(), [`tsbpf/${entry.event.name}`, `tsbpf/${exit.event.name}`].sort(), 'both events in kprobe_events');
    assert.ok(entry.id > 0 && exit.id > 0);
    assert.equal(entry.info().type, abi.LinkTypeId.PERF_EVENT);
    getppid(4);
    assert.equal(counter(object, 'kprobe_hits'), 4n, 'four calls');
    assert.equal(counter(object, 'uretprobe_hits'), 4n, 'four returns');
    assert.equal(counter(object, 'uretprobe_value'), parent, 'the return value is getppid\'s');
    assert.throws(() => entry.pin('/sys/fs/bpf/tsbpf-legacy-kprobe'), NotSupportedError);
    entry.close();
    exit.close();
    entry.close(); // twice is harmless
    getppid(3);
    assert.equal(counter(object, 'kprobe_hits'), 4n, 'none after close');
    assert.equal(counter(object, 'uretprobe_hits'), 4n, 'none after close');
    assert.deepEqual(ownProbeEvents('kprobe'), [], 'the events are gone from kprobe_events');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('legacy kprobe on a function the kernel lacks: ProbeTargetError naming it and available_filter_functions, no event left', { skip: kprobeSkip }, async () => {
  using object = await loadHooks();
  for (const returnProbe of [false, true]) {
    assert.throws(() => attachKprobeLegacy(object.programs.on_kprobe!, 'tsbpf_no_such_function', { returnProbe }), (error: unknown) => {
      assert.ok(error instanceof ProbeTargetError, String(error));
      assert.equal(error.target, 'tsbpf_no_such_function');
      assert.match(error.message, /'tsbpf_no_such_function'/);
      assert.match(error.hint, /available_filter_functions/);
      return true;
    });
  }
  assert.deepEqual(ownProbeEvents('kprobe'), [], 'nothing left in kprobe_events');
});

test('kprobe through the PMU (auto) on a missing function: the same typed error', { skip: kprobeSkip }, async (t) => {
  using object = await loadHooks();
  try {
    attachKprobe(object.programs.on_kprobe!, 'tsbpf_no_such_function').close();
    assert.fail('attached to a function that does not exist');
  } catch (error) {
    if (error instanceof NotSupportedError) { t.skip(error.message); return; }
    assert.ok(error instanceof ProbeTargetError, String(error));
    assert.match(error.hint, /available_filter_functions/);
  }
});

test('legacy uprobe and uretprobe on libc getppid (this process): counted, none after close, events removed', { skip: uprobeSkip }, async () => {
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using object = await loadHooks();
    getppid(1);
    const parent = BigInt(process.ppid);
    using entry = attachUprobe(object.programs.on_uprobe!, 'libc.so.6', 'getppid', { mode: 'legacy', pid: process.pid });
    using exit = attachUprobe(object.programs.on_uretprobe!, 'libc.so.6', 'getppid', { mode: 'legacy', returnProbe: true, pid: process.pid });
    assert.ok(entry instanceof ProbeEventLink && exit instanceof ProbeEventLink);
    assert.equal(ownProbeEvents('uprobe').length, 2, 'both events in uprobe_events');
    assert.match(entry.event.name, /^tsbpf_\d+_libc_so_6_getppid_\d+$/);
    getppid(4);
    assert.equal(counter(object, 'uprobe_hits'), 4n);
    assert.equal(counter(object, 'uretprobe_hits'), 4n);
    assert.equal(counter(object, 'uretprobe_value'), parent);
    entry.close();
    exit.close();
    getppid(3);
    assert.equal(counter(object, 'uprobe_hits'), 4n, 'none after close');
    assert.deepEqual(ownProbeEvents('uprobe'), [], 'the events are gone from uprobe_events');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('legacy uprobe at an offset past the end of the file: ProbeTargetError, no event left', { skip: uprobeSkip }, async () => {
  using object = await loadHooks();
  assert.throws(() => attachUprobe(object.programs.on_uprobe!, '/bin/true', undefined, { mode: 'legacy', offset: 0x7fffff00 }), (error: unknown) => {
    assert.ok(error instanceof ProbeTargetError, String(error));
    assert.match(error.message, /\/bin\/true:0x7fffff00/);
    return true;
  });
  assert.deepEqual(ownProbeEvents('uprobe'), []);
});
