/**
 * syscount on this kernel, run as a user runs it (`tsbpf syscount ...` in a child process): a Python
 * child of the test makes known syscalls a known number of times (getppid 1234 times, a failing close
 * 321 times with EBADF), and the tables for its pid are checked row by row against libbpf-tools'
 * printf formats; each flag against what it counts or prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { knownSyscalls, syscallName } from '../common/syscall-names.js';
import { runToolProcess, startTool, WAIT_SCALE, waitForLinks } from '../common/tool-process.test-support.js';
import { formatTable, sortRows } from './syscount.js';

const OBJECT_NAMES = ['sys_enter', 'sys_exit', 'syscount.rodata', 'syscount.bss'];
const BANNER = /^Tracing syscalls, printing top \d+\.\.\. Ctrl\+C to quit\.$/;
const GETPPID = 1234;
const BAD_CLOSE = 321;
const python = spawnSync('python3', ['-c', 'pass']).status === 0 ? 'python3' : undefined;

/** A Python process that, told to, calls getppid GETPPID times and close(-1) BAD_CLOSE times, then waits. */
function countedChild(): { child: ChildProcess; go(): Promise<void> } {
  const script = `import os, sys
sys.stdin.readline()
for _ in range(${GETPPID}): os.getppid()
for _ in range(${BAD_CLOSE}):
    try: os.close(987654)
    except OSError: pass
sys.stdout.write('done\\n'); sys.stdout.flush()
sys.stdin.readline()`;
  const child = spawn(python!, ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  return {
    child,
    async go() {
      const done = new Promise((resolve) => child.stdout!.once('data', resolve));
      child.stdin!.write('go\n');
      await done;
    },
  };
}

function finish(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.stdin!.end('bye\n');
  });
}

const row = (label: string, count: number) => `${label.padEnd(22)} ${String(count).padStart(8)}`;

test('syscall names: x86-64 table from the system header, unknown numbers as libbpf-tools prints them', (t) => {
  assert.equal(syscallName(9999), '[unknown: 9999]');
  if (process.arch !== 'x64') return t.skip(`the table is x86-64's; this is ${process.arch}`);
  assert.equal(syscallName(0), 'read');
  assert.equal(syscallName(59), 'execve');
  assert.equal(syscallName(110), 'getppid');
  assert.equal(syscallName(437), 'openat2');
  assert.ok(knownSyscalls().size > 350);
});

test('table layout: libbpf-tools\' columns, -L in us or ms, -P pid and comm, -T rows', () => {
  const rows = sortRows([{ key: 3, count: 5n, totalNs: 9000n, comm: '' }, { key: 110, count: 7n, totalNs: 1500n, comm: '' }], false);
  assert.equal(formatTable(rows, { latency: false, milliseconds: false, process: false, top: 10 }), `SYSCALL                   COUNT\n${row('getppid', 7)}\n${row('close', 5)}\n\n`);
  assert.equal(formatTable(sortRows(rows, true), { latency: true, milliseconds: false, process: false, top: 1 }), 'SYSCALL                   COUNT        TIME (us)\nclose                         5            9.000\n\n');
  assert.equal(formatTable([{ key: 42, count: 1n, totalNs: 2_500_000n, comm: 'python3' }], { latency: true, milliseconds: true, process: true, top: 10 }), 'PID    COMM               COUNT        TIME (ms)\n42     python3                1            2.500\n\n');
});

test('syscount -p: the exact counts of a process, printed once at Ctrl-C', async (t) => {
  if (!python) return t.skip('python3 is not installed (the test\'s syscall generator)');
  const before = kernelSnapshot();
  const counted = countedChild();
  const tool = startTool('syscount', ['-p', String(counted.child.pid)]);
  await tool.waitForLine(BANNER);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await counted.go();
  const result = await tool.stop('SIGINT');
  await finish(counted.child);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.equal(lines[0], 'Tracing syscalls, printing top 10... Ctrl+C to quit.');
  assert.match(lines[1]!, /^\[\d\d:\d\d:\d\d\]$/);
  assert.equal(lines[2], 'SYSCALL                   COUNT');
  assert.equal(lines[3], row('getppid', GETPPID), result.stdout);
  const close = lines.find((line) => line.startsWith('close '));
  assert.ok(close && Number(close.split(/ +/)[1]) >= BAD_CLOSE, `the failing closes, and the child's own (its imports): ${result.stdout}`);
  assert.equal(lines.at(-2), '', 'a blank line ends the table');
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('syscount -x -e EBADF -P -L -m -T: failures only, by process, with time', async (t) => {
  if (!python) return t.skip('python3 is not installed (the test\'s syscall generator)');
  const before = kernelSnapshot();
  const counted = countedChild();
  const pid = counted.child.pid!;
  const failures = startTool('syscount', ['-x', '-e', 'EBADF', '-p', String(pid)]);
  const byProcess = startTool('syscount', ['-PLm', '-T', '1', '-p', String(pid)]);
  await failures.waitForLine(BANNER);
  await byProcess.waitForLine(BANNER);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await counted.go();
  const [failed, processes] = await Promise.all([failures.stop(), byProcess.stop('SIGTERM')]);
  await finish(counted.child);
  assert.deepEqual(failed.stdout.split('\n').slice(2), ['SYSCALL                   COUNT', row('close', BAD_CLOSE), '', ''], failed.stdout);
  const lines = processes.stdout.split('\n');
  assert.equal(lines[2], 'PID    COMM               COUNT        TIME (ms)');
  const match = new RegExp(`^${String(pid).padEnd(6)} ${'python3'.padEnd(15)} +(\\d+) +(\\d+\\.\\d{3})$`).exec(lines[3]!);
  assert.ok(match, processes.stdout);
  assert.equal(lines[3]!.length, 22 + 1 + 8 + 1 + 16);
  assert.ok(Number(match[1]) >= GETPPID + BAD_CLOSE, 'every syscall of the process (-P)');
  assert.equal(lines[4], '', '-T 1: one row');
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), [], 'after SIGINT and SIGTERM');
});

test('syscount -c: only tasks in that cgroup (v2)', async (t) => {
  if (!python) return t.skip('python3 is not installed (the test\'s syscall generator)');
  const root = readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')).find((fields) => fields[2] === 'cgroup2')?.[1];
  if (!root) return t.skip('no cgroup2 mount on this machine');
  const group = `${root}/tsbpf-syscount-${process.pid}`;
  try {
    mkdirSync(group);
  } catch (error) {
    return t.skip(`cannot make a cgroup under ${root}: ${(error as Error).message}`);
  }
  const inside = countedChild();
  const outside = countedChild();
  try {
    writeFileSync(`${group}/cgroup.procs`, String(inside.child.pid));
    const tool = startTool('syscount', ['-P', '-c', group]);
    await tool.waitForLine(BANNER);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await inside.go();
    await outside.go();
    const result = await tool.stop();
    assert.equal(result.code, 0, result.stderr);
    const pids = result.stdout.split('\n').slice(3).filter(Boolean).map((line) => line.split(' ')[0]);
    assert.deepEqual(pids, [String(inside.child.pid)], result.stdout);
  } finally {
    await Promise.all([finish(inside.child), finish(outside.child)]);
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(group);
        break;
      } catch { await new Promise((resolve) => setTimeout(resolve, 50)); }
    }
  }
});

test('syscount -i 1 -d 2: a table each second, then it ends by itself with nothing left loaded', async () => {
  const before = kernelSnapshot();
  const started = Date.now();
  const result = await runToolProcess('syscount', ['-i', '1', '-d', '2', '-T', '3']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 10_000 * WAIT_SCALE);
  const stamps = result.stdout.split('\n').filter((line) => /^\[\d\d:\d\d:\d\d\]$/.test(line));
  assert.equal(stamps.length, 2, result.stdout);
  for (const table of result.stdout.split(/^\[\d\d:\d\d:\d\d\]\n/m).slice(1)) {
    const lines = table.split('\n');
    assert.equal(lines[0], 'SYSCALL                   COUNT');
    assert.ok(lines.slice(1, 4).every((line) => /^\S+ +\d+$/.test(line) && line.length === 31), table);
  }
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('syscount --json: one object per print with the decoded counts', async (t) => {
  if (!python) return t.skip('python3 is not installed (the test\'s syscall generator)');
  const counted = countedChild();
  const tool = startTool('syscount', ['--json', '-L', '-p', String(counted.child.pid)]);
  await waitForLinks(tool.child.pid!, 2); // --json prints no banner: attached is when sys_enter and sys_exit have links
  await counted.go();
  const result = await tool.stop();
  await finish(counted.child);
  assert.equal(result.code, 0, result.stderr);
  const records = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { time: string; syscalls: { id: number; name: string; count: number; total_ns: number }[] });
  assert.equal(records.length, 1);
  const getppid = records[0]!.syscalls.find((entry) => entry.name === 'getppid');
  assert.deepEqual(getppid && { ...getppid, total_ns: typeof getppid.total_ns }, { id: 110, name: 'getppid', count: GETPPID, total_ns: 'number' });
});

test('syscount -l lists the syscalls; bad flags exit 2 with libbpf-tools\' messages', async () => {
  const list = await runToolProcess('syscount', ['-l']);
  assert.equal(list.code, 0);
  if (process.arch === 'x64') {
    assert.ok(list.stdout.startsWith('  0: read\n  1: write\n'), list.stdout.slice(0, 100));
    assert.match(list.stdout, /\n437: openat2\n/);
  }
  for (const [args, message] of [
    [['-p', '0'], 'invalid PID: 0'], [['-i', 'x'], 'invalid INTERVAL: x'], [['-d', '0'], 'invalid DURATION: 0'],
    [['-T', '-1'], 'invalid TOP: -1'], [['-e', 'ENOTANERRNO'], 'invalid errno: ENOTANERRNO (neither a number nor a name like ENOENT)'],
    [['-z'], "invalid option -- 'z'"], [['extra'], 'Unrecognized positional argument: extra'],
  ] as const) {
    const result = await runToolProcess('syscount', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `syscount: ${message}\nUsage: syscount [OPTION...]\nTry 'syscount --help' or 'syscount --usage' for more information.\n`);
  }
});
