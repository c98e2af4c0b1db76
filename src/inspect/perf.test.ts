/**
 * `tsbpf perf list` against bpftool 7.1: tracepoint perf events with a program attached by
 * PERF_EVENT_IOC_SET_BPF and by a perf_event link, and raw tracepoint links, all held by this process.
 * Kprobes and uprobes are refused on this kernel, so their lines are checked only through the formatter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { abi, bpf } from '../sys/index.js';
import { Fixtures } from './fixtures.test-support.js';
import { canonicalJson, sideBySide, tsbpf, UNPRIVILEGED } from './inspect-cli.test-support.js';
import { listPerfAttachments, TaskFdType } from './perf.js';
import { perfJson, perfText } from './perf-text.js';

test('perf list prints what bpftool 7.1 prints, text and JSON, for this process\'s attachments', async (t) => {
  const objects = corpus();
  if (typeof objects === 'string') return t.skip(objects);
  const before = kernelSnapshot();
  const f = new Fixtures();
  try {
    const tracepoints = Object.values((await f.object('prog_tracepoint')).programs);
    const fork = f.tracepointEvent('sched', 'sched_process_fork', tracepoints[0]!.fd.value);
    const kill = f.tracepointEvent('syscalls', 'sys_enter_kill');
    f.link(tracepoints[1]!.fd.value, kill, abi.AttachTypeId.PERF_EVENT);
    const rawProgram = Object.values((await f.object('prog_raw_tp')).programs)[0]!;
    const raw = f.fd(bpf.rawTracepointOpen(rawProgram.fd.value, 'sched_wakeup'));
    const mine = listPerfAttachments().filter((entry) => entry.pid === process.pid);
    assert.deepEqual(mine.map((entry) => [entry.fd, entry.fdType, entry.name, entry.programId]), [
      [fork, TaskFdType.TRACEPOINT, 'sched_process_fork', tracepoints[0]!.id],
      [kill, TaskFdType.TRACEPOINT, 'sys_enter_kill', tracepoints[1]!.id],
      [raw, TaskFdType.RAW_TRACEPOINT, 'sched_wakeup', rawProgram.id],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)));
    for (const args of [['perf', 'list'], ['-j', 'perf', 'show'], ['-p', 'perf', 'list']]) {
      const { ours, theirs } = sideBySide(args);
      assert.equal(ours.status, 0, ours.stderr);
      if (args[0] === 'perf') assert.equal(ours.stdout, theirs.stdout);
      else assert.equal(canonicalJson(ours.stdout), canonicalJson(theirs.stdout), args.join(' '));
    }
  } finally {
    f.close();
  }
  assert.deepEqual(await leftoverObjects(before, f.names), []);
});

test('perf list formats kprobes and uprobes as bpftool\'s source does (they cannot attach on this kernel)', () => {
  const base = { pid: 7, fd: 3, programId: 9, probeOffset: 16n, probeAddress: 0xffffffff81000000n };
  assert.equal(perfText({ ...base, fdType: TaskFdType.KPROBE, name: 'do_sys_open' }), 'pid 7  fd 3: prog_id 9  kprobe  func do_sys_open  offset 16\n');
  assert.equal(perfText({ ...base, fdType: TaskFdType.KRETPROBE, name: '' }), 'pid 7  fd 3: prog_id 9  kretprobe  addr 18446744071578845184\n');
  assert.equal(perfText({ ...base, fdType: TaskFdType.UPROBE, name: '/bin/true' }), 'pid 7  fd 3: prog_id 9  uprobe  filename /bin/true  offset 16\n');
  assert.deepEqual(perfJson({ ...base, fdType: TaskFdType.URETPROBE, name: '/bin/true' }), { pid: 7, fd: 3, prog_id: 9, fd_type: 'uretprobe', filename: '/bin/true', offset: 16n });
  assert.deepEqual(perfJson({ ...base, fdType: TaskFdType.KPROBE, name: '' }), { pid: 7, fd: 3, prog_id: 9, fd_type: 'kprobe', addr: 0xffffffff81000000n });
});

test('perf list: extra arguments are a usage error, an unprivileged user gets one line', () => {
  const extra = tsbpf(['perf', 'list', 'id', '3']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /^tsbpf: perf show: unexpected arguments "id 3"; /);
  const unprivileged = tsbpf(['perf', 'list'], UNPRIVILEGED);
  assert.equal(unprivileged.status, 1);
  assert.match(unprivileged.stderr, /^tsbpf: perf show: BPF_TASK_FD_QUERY is refused: .*EPERM.*; run as root/);
  assert.equal(unprivileged.stderr.trim().split('\n').length, 1);
});
