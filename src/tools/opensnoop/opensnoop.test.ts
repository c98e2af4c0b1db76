/**
 * opensnoop on this kernel, run as a user runs it (`tsbpf opensnoop ...` in a child process): a shell the
 * test controls opens a unique missing path, an existing file, and creates one; the lines for its pid are
 * checked column by column against libbpf-tools' printf formats, and each flag against what it filters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, WAIT_SCALE, waitForLinks } from '../common/tool-process.test-support.js';

const PROGRAMS = ['enter_open', 'enter_openat', 'enter_openat2', 'exit_open', 'exit_openat', 'exit_openat2'];
const MAPS = ['start', 'open_counts', 'events', 'event_scratch', 'opensnoo.rodata', 'opensnoop.bss'];
const HEADER = /^PID +COMM +FD ERR PATH$/;

const directory = mkdtempSync(join(tmpdir(), 'tsbpf-opensnoop-'));
const missing = `/nonexistent-tsbpf-opensnoop-${process.pid}`;
const created = join(directory, 'created');

/** A shell that opens when told: a missing path, /etc/hostname, and `created` (O_CREAT, mode 0666 less umask). */
function openingShell(cwd = directory): { child: ChildProcess; go(): Promise<void> } {
  // `true`, not `:`: a failed redirection on a special builtin ends a non-interactive shell
  const script = `read go; true < ${missing}; true < /etc/hostname; true > ${created}; true < relative-missing; read done`;
  const child = spawn('/bin/sh', ['-c', script], { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    child,
    async go() {
      child.stdin!.write('go\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.stdin!.end('done\n');
      await exited;
    },
  };
}

function linesFor(stdout: string, pid: number, column = 0): string[][] {
  return stdout.split('\n').map((line) => line.split(/ +/)).filter((fields) => fields[column] === String(pid));
}

test('opensnoop prints each open of a pid in libbpf-tools\' columns', async () => {
  const before = kernelSnapshot();
  const shell = openingShell();
  const tool = startTool('opensnoop', ['-p', String(shell.child.pid)]);
  await tool.waitForLine(HEADER);
  await shell.go();
  await tool.waitForLine(/relative-missing/);
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const pid = shell.child.pid!;
  const lines = result.stdout.split('\n').filter((line) => line.startsWith(`${pid} `));
  const sh = 'sh'.padEnd(16);
  assert.ok(lines.includes(`${String(pid).padEnd(6)} ${sh}  -1   2 ${missing}`), lines.join('\n'));
  assert.ok(lines.some((line) => new RegExp(`^${pid} +sh +[ \\d]{3}   0 /etc/hostname$`).test(line)), lines.join('\n'));
  assert.ok(lines.includes(`${String(pid).padEnd(6)} ${sh}  -1   2 relative-missing`), lines.join('\n'));
  assert.equal(result.stdout.split('\n').filter((line) => line && !HEADER.test(line) && !line.startsWith(`${pid} `)).length, 0, 'only the pid asked for');
  assert.deepEqual(await leftoverObjects(before, [...PROGRAMS, ...MAPS]), []);
});

test('opensnoop -x -e -T -U -F: failed only, flags and mode, time, uid, full path', async () => {
  const shell = openingShell();
  const tool = startTool('opensnoop', ['-xeTUF', '-p', String(shell.child.pid)]);
  await tool.waitForLine(/^TIME +UID +PID +COMM +FD ERR FLAGS +MODE +PATH$/);
  await shell.go();
  await tool.waitForLine(/relative-missing/);
  const result = await tool.stop('SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  const lines = linesFor(result.stdout, shell.child.pid!, 2);
  assert.deepEqual(lines.map((fields) => fields.at(-1)), [missing, join(directory, 'relative-missing')], 'only the failed opens, the relative one with its directory');
  for (const fields of lines) {
    assert.match(fields[0]!, /^\d\d:\d\d:\d\d$/);
    assert.equal(fields[1], String(process.getuid!()));
    assert.deepEqual(fields.slice(3, 6), ['sh', '-1', '2']);
    assert.equal(fields[6], '00000000', 'O_RDONLY (dash opens with O_RDONLY, no O_CREAT)');
    assert.equal(fields[7], 'n/a');
  }
});

test('opensnoop -e shows O_CREAT\'s mode; -n filters by comm; --json lines carry the decoded event', async () => {
  const shell = openingShell();
  const tool = startTool('opensnoop', ['-e', '--json', '-n', 'sh', '-p', String(shell.child.pid)]);
  await waitForLinks(tool.child.pid!, 6); // --json prints no header
  await shell.go();
  await tool.waitForLine(/relative-missing/);
  const result = await tool.stop();
  assert.equal(result.code, 0, result.stderr);
  const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const create = events.find((event) => event.fname === created);
  assert.ok(create, result.stdout);
  assert.equal(create.pid, shell.child.pid);
  assert.equal(create.comm, 'sh');
  assert.equal(create.mode, 0o666);
  assert.equal((create.flags as number) & 0o100, 0o100, 'O_CREAT');
  assert.ok((create.fd as number) >= 0 && create.err === 0);
  const failed = events.find((event) => event.fname === missing)!;
  assert.deepEqual([failed.ret, failed.fd, failed.err], [-2, -1, 2]);

  const other = startTool('opensnoop', ['-n', 'no-such-comm', '-p', String(process.pid), '-d', '1']);
  const quiet = await other.done;
  assert.equal(quiet.stdout.trim().split('\n').length, 1, 'only the header');
});

test('opensnoop --events perf: the perf buffer path prints the same lines', async () => {
  const shell = openingShell();
  const tool = startTool('opensnoop', ['--events', 'perf', '-x', '-p', String(shell.child.pid)]);
  await tool.waitForLine(HEADER);
  await shell.go();
  await tool.waitForLine(/relative-missing/);
  const result = await tool.stop();
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(`${String(shell.child.pid).padEnd(6)} ${'sh'.padEnd(16)}  -1   2 ${missing}`), result.stdout);
});

test('opensnoop -d ends by itself; -u and -t filter in the kernel', async () => {
  const before = kernelSnapshot();
  const started = Date.now();
  const result = await runToolProcess('opensnoop', ['-d', '1', '-u', '4242', '-t', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 10_000 * WAIT_SCALE, 'ends within 10 s of -d 1 (60 s under emulation)');
  assert.equal(result.stdout, `${'PID'.padEnd(6)} ${'COMM'.padEnd(16)}  FD ERR PATH\n`, 'no open by uid 4242 and thread 1');
  assert.deepEqual(await leftoverObjects(before, [...PROGRAMS, ...MAPS]), []);
});

test('opensnoop: bad flags exit 2 with argp\'s hint, -h prints the help', async () => {
  for (const [args, message] of [[['-p', 'abc'], 'Invalid PID: abc'], [['-z'], "invalid option -- 'z'"], [['-d', '0'], 'Invalid duration: 0'], [['--events', 'x'], 'Invalid event channel: x'], [['extra'], 'Unrecognized positional argument: extra'], [['-u', '4294967295'], 'Invalid UID: 4294967295']] as const) {
    const result = await runToolProcess('opensnoop', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `opensnoop: ${message}\nUsage: opensnoop [OPTION...]\nTry 'opensnoop --help' or 'opensnoop --usage' for more information.\n`);
  }
  const help = await runToolProcess('opensnoop', ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: opensnoop \[OPTION\.\.\.\]\nTrace open family syscalls\n/);
  assert.match(help.stdout, /  -x, --failed +Failed opens only\n/);
});


test.after(() => rmSync(directory, { recursive: true, force: true }));

test('opensnoop without CAP_BPF/CAP_PERFMON: one line naming them, exit 1', async (t) => {
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv (util-linux) is not installed');
  const { CLI } = await import('../common/tool-process.test-support.js');
  const run = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-bpf,-perfmon,-sys_admin', process.execPath, CLI, 'opensnoop', '-d', '1'], { encoding: 'utf8' });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^opensnoop: this process lacks CAP_BPF and CAP_PERFMON, which tracing programs need \(or CAP_SYS_ADMIN\); [^\n]+\n$/);
});
