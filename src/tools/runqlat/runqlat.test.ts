/**
 * runqlat on this kernel, run as a user runs it (`tsbpf runqlat ...` in a child process): a child of the
 * test wakes every 2 ms, so its threads queue and run hundreds of times a second; filtered to its pid,
 * the histograms are its own, the unit follows -m, interval and count end the run with that many
 * summaries, --json lines carry the buckets, bad flags exit 2, and nothing stays loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { inspect } from '../../index.js';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool } from '../common/tool-process.test-support.js';

/** Kernel names only runqlat uses (`start` and `events` are common names other tests load too). */
const OBJECT_NAMES = [
  'sched_wakeup_btf', 'sched_wakeup_new_btf', 'sched_switch_btf', 'sched_wakeup_raw', 'sched_wakeup_new_raw', 'sched_switch_raw',
  'hists', 'cgroup_map', 'runqlat.rodata', 'runqlat.bss',
];
const TRACING = 'Tracing run queue latency... Hit Ctrl-C to end.';
const HISTOGRAM_HEADER = /^ {5}(usecs|msecs) {15}: count {4}distribution$/;
const BUCKET = /^ +(\d+) -> (\d+) +: (\d+) +\|[* ]{40}\|$/;

/** A node process that wakes every 2 ms until killed. */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 2)'], { stdio: 'ignore' });
}

function totalCount(stdout: string): number {
  return stdout.split('\n').map((line) => BUCKET.exec(line)).reduce((sum, match) => sum + (match ? Number(match[3]) : 0), 0);
}

test('runqlat -P -p PID 1 2: two summaries of that process only, then exits by itself', async (t) => {
  const before = kernelSnapshot();
  const child = sleeper();
  t.after(() => child.kill());
  const result = await runToolProcess('runqlat', ['-P', '-p', String(child.pid), '1', '2']);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.equal(lines[0], TRACING);
  const headers = lines.filter((line) => line.startsWith('pid = '));
  assert.deepEqual(headers, [`pid = ${child.pid} node`, `pid = ${child.pid} node`], result.stdout);
  assert.equal(lines.filter((line) => HISTOGRAM_HEADER.test(line)).length, 2);
  assert.ok(lines.every((line) => !HISTOGRAM_HEADER.test(line) || line.includes('usecs')));
  assert.ok(totalCount(result.stdout) > 50, `a 2 ms timer wakes the child hundreds of times a second:\n${result.stdout}`);
  // each summary: a blank line, the `pid = ` line after another blank one, then the histogram
  const first = lines.indexOf(headers[0]!);
  assert.deepEqual(lines.slice(first - 2, first + 2).map((line) => line.replace(/\d+/g, 'N')),
    ['', '', `pid = N node`, `     usecs               : count    distribution`]);
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('runqlat -m prints msecs; -T a time line; one summary at Ctrl-C without an interval', async (t) => {
  const child = sleeper();
  t.after(() => child.kill());
  const tool = startTool('runqlat', ['-mT', '-p', String(child.pid)]);
  await tool.waitForLine(/^Tracing run queue latency/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 4), [TRACING, '', lines[2], '     msecs               : count    distribution'], result.stdout);
  assert.match(lines[2]!, /^\d\d:\d\d:\d\d$/);
  assert.ok(totalCount(result.stdout) > 0, result.stdout);
  const first = BUCKET.exec(lines[4]!);
  assert.ok(first && first[1] === '0' && Number(first[3]) > 0, `run queue waits are mostly under a millisecond: ${lines[4]}`);
});

test('runqlat --json -L -p PID 1 2: one object per summary, the child\'s threads and their buckets', async (t) => {
  const child = sleeper();
  t.after(() => child.kill());
  const result = await runToolProcess('runqlat', ['--json', '-L', '-p', String(child.pid), '1', '2']);
  assert.equal(result.code, 0, result.stderr);
  const objects = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { unit: string; histograms: { tid: number; comm: string; buckets: { low: number; high: number; count: number }[] }[] });
  assert.equal(objects.length, 2, result.stdout);
  for (const summary of objects) {
    assert.equal(summary.unit, 'usecs');
    const main = summary.histograms.find((hist) => hist.tid === child.pid);
    assert.ok(main, `the main thread (tid = pid) is among ${JSON.stringify(summary.histograms.map((h) => h.tid))}`);
    assert.equal(main.comm, 'node');
    assert.deepEqual(main.buckets[0]!.low, 0);
    assert.ok(main.buckets.reduce((sum, bucket) => sum + bucket.count, 0) > 50);
    assert.ok(main.buckets.at(-1)!.count > 0, 'buckets end at the last non-empty one');
  }
});

test('runqlat --tracepoints raw_tp: the raw tracepoint fallback counts the same wakeups', async (t) => {
  const child = sleeper();
  t.after(() => child.kill());
  const result = await runToolProcess('runqlat', ['-v', '--tracepoints', 'raw_tp', '-P', '-p', String(child.pid), '1', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /through raw_tp/);
  assert.ok(result.stdout.includes(`\npid = ${child.pid} node\n`), result.stdout);
  assert.ok(totalCount(result.stdout) > 50, result.stdout);
});

test('runqlat -c CGROUP: the cgroup v2 root passes every task; a path that is no cgroup exits 1', async (t) => {
  const root = inspect.cgroup2Root();
  if (!root) return t.skip('no cgroup v2 hierarchy is mounted (inspect.cgroup2Root found none)');
  const result = await runToolProcess('runqlat', ['-c', root, '1', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(totalCount(result.stdout) > 0, `every task is under the root cgroup:\n${result.stdout}`);
  const missing = await runToolProcess('runqlat', ['-c', '/nonexistent-tsbpf-cgroup']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^runqlat: Failed opening Cgroup path: \/nonexistent-tsbpf-cgroup \(ENOENT\); /);
});

test('runqlat: bad flags exit 2 with a usage message; -P with -L exits 1; -h prints the help', async () => {
  for (const args of [['-Z'], ['-p', 'abc'], ['1', '2', '3'], ['0'], ['--pid'], ['--tracepoints', 'kprobe']]) {
    const result = await runToolProcess('runqlat', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^runqlat: .+\nUsage: runqlat \[OPTION\.\.\.\] \[interval\] \[count\]\nTry 'runqlat --help'/);
    assert.equal(result.stdout, '');
  }
  const both = await runToolProcess('runqlat', ['-P', '-L']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, 'pidnss, pids, tids cann\'t be used together.\n');
  const help = await runToolProcess('runqlat', ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: runqlat \[OPTION\.\.\.\] \[interval\] \[count\]\nSummarize run queue/);
  assert.match(help.stdout, /-m, --milliseconds +Millisecond histogram/);
});

test('runqlat leaves nothing loaded after SIGINT or SIGTERM', async () => {
  const before = kernelSnapshot();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const tool = startTool('runqlat', []);
    await tool.waitForLine(/^Tracing run queue latency/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await tool.stop(signal);
    assert.equal(result.code, 0, `${signal}: ${result.stderr}`);
    assert.ok(totalCount(result.stdout) > 0, 'the whole machine\'s scheduling in a total histogram');
    assert.ok(!result.stdout.includes('pid = '), 'no per-process headers without -P');
  }
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});
