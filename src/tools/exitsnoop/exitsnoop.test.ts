/**
 * exitsnoop on this kernel, run as a user runs it (`tsbpf exitsnoop ...` in a child process): children
 * of the test end in known ways — exit 3, exit 0, SIGKILL, a Node process with threads — and the lines
 * for their pids are checked column by column against libbpf-tools' printf formats and exit texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, waitForLinks } from '../common/tool-process.test-support.js';
import { exitDescription } from './exitsnoop.js';
import { signalDescription } from './signal-names.js';

/** Names only this tool's object has (every tool has an `events` map; other tests may load theirs). */
const OBJECT_NAMES = ['sched_process_exit', 'exitsnoo.rodata', 'exitsnoop.bss'];
const HEADER = /^PCOMM +PID +PPID +TID +AGE\(s\) +EXIT_CODE$/;

/** A shell that waits for a line on stdin, then runs `then` (e.g. `exit 3`). */
function waitingShell(then: string): { child: ChildProcess; go(): Promise<void> } {
  const child = spawn('/bin/sh', ['-c', `read go; ${then}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    async go() {
      child.stdin!.end('go\n');
      await exited;
    },
  };
}

function linesOf(stdout: string, pid: number): string[] {
  return stdout.split('\n').filter((line) => line.split(/ +/)[1] === String(pid));
}

test('exit texts are libbpf-tools\' (strsignal\'s words)', () => {
  assert.equal(exitDescription(0, 0), '0');
  assert.equal(exitDescription(0, 3), 'code 3');
  assert.equal(exitDescription(9, 0), 'signal 9 (Killed)');
  assert.equal(exitDescription(11 | 0x80, 0), 'signal 11 (Segmentation fault), core dumped');
  assert.equal(exitDescription(0x80, 0), ', core dumped');
  assert.equal(signalDescription(15), 'Terminated');
  assert.equal(signalDescription(34), 'Real-time signal 0');
  assert.equal(signalDescription(64), 'Real-time signal 30');
  assert.equal(signalDescription(32), 'Unknown signal 32');
});

test('exitsnoop -p prints the exit of that process in libbpf-tools\' columns', async () => {
  const before = kernelSnapshot();
  const shell = waitingShell('exit 3');
  const pid = shell.child.pid!;
  const tool = startTool('exitsnoop', ['-p', String(pid)]);
  assert.match(await tool.waitForLine(HEADER), /^PCOMM            PID     PPID    TID     AGE\(s\)  EXIT_CODE$/);
  await shell.go();
  await tool.waitForLine(/code 3$/);
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, `only the one process: ${result.stdout}`);
  const prefix = `${'sh'.padEnd(16)} ${String(pid).padEnd(7)} ${String(process.pid).padEnd(7)} ${String(pid).padEnd(7)} `;
  assert.ok(lines[1]!.startsWith(prefix), `${lines[1]}\nwanted ${prefix}`);
  assert.match(lines[1]!.slice(prefix.length), /^(?=\d+\.\d\d +code)[\d. ]{7} code 3$/, 'AGE(s) as %-7.2f');
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('exitsnoop: a signal\'s death, -x failed only, -t time column', async () => {
  const before = kernelSnapshot();
  const ok = waitingShell('exit 0');
  const failing = waitingShell('exit 7');
  const killed = waitingShell('sleep 60');
  const tool = startTool('exitsnoop', ['-x', '-t']);
  await tool.waitForLine(/^TIME\(s\)  PCOMM +PID +PPID +TID +AGE\(s\) +EXIT_CODE$/);
  await ok.go();
  await failing.go();
  killed.child.kill('SIGKILL');
  await new Promise((resolve) => killed.child.on('exit', resolve));
  await tool.waitForLine(new RegExp(`^\\S+ +sh +${killed.child.pid} `));
  await tool.waitForLine(new RegExp(`^\\S+ +sh +${failing.child.pid} `));
  const result = await tool.stop('SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  const byPid = (pid: number) => result.stdout.split('\n').filter((line) => line.split(/ +/)[2] === String(pid));
  assert.deepEqual(byPid(ok.child.pid!), [], '-x leaves out exit 0');
  const [failed] = byPid(failing.child.pid!);
  assert.match(failed!, /^\d\d:\d\d:\d\d sh +\d+ +\d+ +\d+ +\d+\.\d\d +code 7$/);
  const [signalled] = byPid(killed.child.pid!);
  assert.match(signalled!, /^\d\d:\d\d:\d\d sh +\d+ +\d+ +\d+ +\d+\.\d\d +signal 9 \(Killed\)$/);
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('exitsnoop -T: every thread of a Node process; without it, only the process', async () => {
  const script = "process.stdin.once('data', () => process.exit(5))";
  const start = () => spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  for (const threaded of [true, false]) {
    const child = start();
    const pid = child.pid!;
    const tool = startTool('exitsnoop', [...(threaded ? ['-T'] : []), '-p', String(pid)]);
    await tool.waitForLine(HEADER);
    child.stdin!.end('go\n');
    await new Promise((resolve) => child.on('exit', resolve));
    await tool.waitForLine(new RegExp(`^node +${pid} +\\d+ +${pid} `));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await tool.stop();
    const lines = linesOf(result.stdout, pid);
    const threads = lines.filter((line) => line.split(/ +/)[3] !== String(pid));
    const leader = lines.filter((line) => line.split(/ +/)[3] === String(pid));
    assert.equal(leader.length, 1, result.stdout);
    assert.match(leader[0]!, / code 5$/);
    if (threaded) assert.ok(threads.length >= 2, `node's threads end too:\n${result.stdout}`);
    else assert.equal(threads.length, 0, result.stdout);
  }
});

test('exitsnoop --json: one object per exit with the decoded fields', async () => {
  const shell = waitingShell('kill -TERM $$');
  const pid = shell.child.pid!;
  const tool = startTool('exitsnoop', ['--json', '--events', 'perf', '-p', String(pid)]);
  // --json prints no header: give the tool time to attach, then retry until the line shows
  await waitForLinks(tool.child.pid!, 1);
  await shell.go();
  const line = await tool.waitForLine(/^\{/);
  const result = await tool.stop();
  assert.equal(result.code, 0, result.stderr);
  const event = JSON.parse(line) as Record<string, unknown>;
  assert.equal(event.pid, pid);
  assert.equal(event.tid, pid);
  assert.equal(event.ppid, process.pid);
  assert.equal(event.comm, 'sh');
  assert.equal(event.sig, 15);
  assert.equal(event.signal, 15);
  assert.equal(event.signal_name, 'Terminated');
  assert.equal(event.exit, 'signal 15 (Terminated)');
  assert.equal(event.core_dumped, false);
  assert.equal(typeof event.age, 'number');
  assert.ok((event.exit_time as number) > (event.start_time as number));
});

test('exitsnoop: bad flags exit 2 with argp\'s hint', async () => {
  for (const [args, message] of [[['-p', 'abc'], 'Invalid PID: abc'], [['-p', '0'], 'Invalid PID: 0'], [['-z'], "invalid option -- 'z'"], [['extra'], 'Unrecognized positional argument: extra']] as const) {
    const result = await runToolProcess('exitsnoop', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `exitsnoop: ${message}\nUsage: exitsnoop [OPTION...]\nTry 'exitsnoop --help' or 'exitsnoop --usage' for more information.\n`);
  }
  const help = await runToolProcess('exitsnoop', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: exitsnoop \[OPTION\.\.\.\]\nTrace process termination\.\n/);
  assert.match(help.stdout, /  -T, --threaded +Trace by thread\.\n/);
});

