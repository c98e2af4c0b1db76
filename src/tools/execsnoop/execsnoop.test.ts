/**
 * execsnoop on this kernel, run as a user runs it (`tsbpf execsnoop ...` in a child process): the test
 * execs programs with unique arguments (and a missing one), and the lines for those pids are checked
 * column by column against libbpf-tools' printf formats; each flag against what it shows or filters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, waitForLinks } from '../common/tool-process.test-support.js';
import { formatArguments, splitArguments } from './execsnoop.js';

/** Names only this tool's object has (every tool has an `events` map; other tests may load theirs). */
const OBJECT_NAMES = ['enter_execve', 'enter_execveat', 'exit_execve', 'exit_execveat', 'execs', 'execsnoo.rodata', 'execsnoop.bss'];
const HEADER = /^PCOMM +PID +PPID +RET ARGS$/;
const tag = `tsbpf-exec-${process.pid}`;

/** Runs `file args...` from the test (so its parent is this process) and waits for it. */
function run(file: string, args: string[]): Promise<number> {
  const child = spawn(file, args, { stdio: 'ignore' });
  return new Promise((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('exit', () => resolve(child.pid!));
  });
}

const pad = (value: string | number, width: number) => String(value).padEnd(width);

test('argument strings and print_args\' layout', () => {
  const bytes = new TextEncoder().encode('/bin/true\0a b\0c"d\0');
  assert.deepEqual(splitArguments(bytes, 3), ['/bin/true', 'a b', 'c"d']);
  assert.deepEqual(splitArguments(bytes, 2), ['/bin/true', 'a b']);
  assert.equal(formatArguments(['/bin/true', 'a'], false, false), '/bin/true a ');
  assert.equal(formatArguments(['/bin/true', 'a'], false, true), '/bin/true a  ...');
  assert.equal(formatArguments(['/bin/true', 'a b', 'c"d\te\n'], true, false), '"/bin/true" "a b" "c\\"d\\te\\n" ');
  assert.equal(formatArguments(['/bin/true', 'a'], true, true), '"/bin/true" "a" " ...');
});

test('execsnoop prints each exec in libbpf-tools\' columns; failed ones only with -x', async () => {
  const before = kernelSnapshot();
  const tool = startTool('execsnoop', []);
  assert.match(await tool.waitForLine(HEADER), /^PCOMM            PID    PPID   RET ARGS$/);
  const pid = await run('/bin/true', [tag, 'second']);
  await run(`/nonexistent-${tag}`, ['x']);
  await tool.waitForLine(new RegExp(`^true +${pid} `));
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const mine = result.stdout.split('\n').filter((line) => line.includes(tag));
  assert.deepEqual(mine, [`${pad('true', 16)} ${pad(pid, 6)} ${pad(process.pid, 6)}   0 /bin/true ${tag} second `]);
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);

  const failing = startTool('execsnoop', ['-x']);
  await failing.waitForLine(HEADER);
  const shell = spawnSync('/bin/sh', ['-c', `/nonexistent-${tag} one; exit 0`], { stdio: 'ignore' });
  assert.equal(shell.status, 0);
  await failing.waitForLine(new RegExp(`nonexistent-${tag}`));
  const failed = await failing.stop('SIGTERM');
  assert.equal(failed.code, 0, failed.stderr);
  const lines = failed.stdout.split('\n').filter((candidate) => candidate.includes(` /nonexistent-${tag} one `));
  assert.equal(lines.length, 1, failed.stdout);
  assert.match(lines[0]!, new RegExp(`^sh {14} \\d+ +${shell.pid} +-2 /nonexistent-${tag} one $`), 'the failed exec: the shell\'s comm, ret -ENOENT');
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), [], 'after SIGTERM too');
});

test('execsnoop -q --max-args: quoted, escaped, and cut with " ..."', async () => {
  const tool = startTool('execsnoop', ['-q', '--max-args', '3']);
  await tool.waitForLine(/^PCOMM/);
  const pid = await run('/bin/true', [`${tag} q`, 'c"d', 'e', 'f']);
  const two = await run('/bin/true', [`${tag}-two`]);
  await tool.waitForLine(new RegExp(`^true +${two} `));
  const result = await tool.stop();
  const lines = result.stdout.split('\n');
  assert.ok(lines.includes(`${pad('true', 16)} ${pad(pid, 6)} ${pad(process.pid, 6)}   0 "/bin/true" "${tag} q" "c\\"d" " ...`), result.stdout);
  assert.ok(lines.includes(`${pad('true', 16)} ${pad(two, 6)} ${pad(process.pid, 6)}   0 "/bin/true" "${tag}-two" `), result.stdout);
});

test('execsnoop -T -t -U: time, seconds since start and UID columns; -u, -n and -l filter', async () => {
  const tool = startTool('execsnoop', ['-TtU', '-n', 'true', '-l', `${tag}-shown`]);
  await tool.waitForLine(/^TIME     TIME\(s\)  UID    PCOMM            PID    PPID   RET ARGS$/);
  const shown = await run('/bin/true', [`${tag}-shown`]);
  await run('/bin/true', [`${tag}-other-line`]);
  await run('/bin/echo', [`${tag}-shown`]);
  await tool.waitForLine(new RegExp(`^\\S+ +\\S+ +\\d+ +true +${shown} `));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = await tool.stop();
  const mine = result.stdout.split('\n').filter((line) => line.includes(tag));
  assert.equal(mine.length, 1, `-n keeps comm "true", -l keeps args with the text:\n${result.stdout}`);
  assert.match(mine[0]!, new RegExp(`^\\d\\d:\\d\\d:\\d\\d \\d+\\.\\d{3} +${pad(process.getuid!(), 6)} ${pad('true', 16)} ${pad(shown, 6)} ${pad(process.pid, 6)}   0 /bin/true ${tag}-shown $`));
  const [, seconds] = mine[0]!.split(/ +/);
  assert.ok(Number(seconds) > 0 && Number(seconds) < 30, seconds);

  const other = startTool('execsnoop', ['-u', '4242']);
  await other.waitForLine(HEADER);
  await run('/bin/true', [`${tag}-uid`]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const quiet = await other.stop();
  assert.ok(!quiet.stdout.includes(tag), 'uid 4242 only');
});

test('execsnoop --json: one object per exec with the decoded fields and argument list', async () => {
  const tool = startTool('execsnoop', ['--json', '--events', 'perf', '-l', tag]);
  await waitForLinks(tool.child.pid!, 2);
  const pid = await run('/bin/true', [tag, 'a b']);
  const line = await tool.waitForLine(new RegExp(`"pid":${pid}`));
  const result = await tool.stop();
  assert.equal(result.code, 0, result.stderr);
  const event = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(event, {
    pid, ppid: process.pid, uid: process.getuid!(), retval: 0, args_count: 3, args_size: '/bin/true'.length + tag.length + 'a b'.length + 3,
    comm: 'true', args: ['/bin/true', tag, 'a b'], args_truncated: false,
  });
});

test('execsnoop -c: only tasks in that cgroup (v2)', async (t) => {
  const root = cgroup2Root();
  if (!root) return t.skip('no cgroup2 mount on this machine');
  const group = `${root}/tsbpf-execsnoop-${process.pid}`;
  try {
    mkdirSync(group);
  } catch (error) {
    return t.skip(`cannot make a cgroup under ${root}: ${(error as Error).message}`);
  }
  try {
    const tool = startTool('execsnoop', ['-c', group]);
    await tool.waitForLine(HEADER);
    // a shell moves itself into the group, then execs; one outside execs too
    const inside = spawnSync('/bin/sh', ['-c', `echo $$ > ${group}/cgroup.procs && /bin/true ${tag}-inside`], { stdio: 'ignore' });
    assert.equal(inside.status, 0);
    await run('/bin/true', [`${tag}-outside`]);
    await tool.waitForLine(new RegExp(`${tag}-inside`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await tool.stop();
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(`${tag}-outside`), result.stdout);
  } finally {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(group);
        break;
      } catch { await new Promise((resolve) => setTimeout(resolve, 50)); }
    }
  }
  const missing = await runToolProcess('execsnoop', ['-c', '/nonexistent-cgroup']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^execsnoop: Failed opening Cgroup path: \/nonexistent-cgroup \(ENOENT\); /);
});

test('execsnoop: bad flags exit 2 with libbpf-tools\' messages and argp\'s hint', async () => {
  for (const [args, message] of [
    [['-u', 'abc'], 'Invalid UID abc'], [['-u', '4294967295'], 'Invalid UID 4294967295'],
    [['--max-args', '0'], 'Invalid MAX_ARGS 0, should be in [1, 60] range'], [['--max-args=61'], 'Invalid MAX_ARGS 61, should be in [1, 60] range'],
    [['-z'], "invalid option -- 'z'"], [['extra'], 'Unrecognized positional argument: extra'],
  ] as const) {
    const result = await runToolProcess('execsnoop', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `execsnoop: ${message}\nUsage: execsnoop [OPTION...]\nTry 'execsnoop --help' or 'execsnoop --usage' for more information.\n`);
  }
  const help = await runToolProcess('execsnoop', ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: execsnoop \[OPTION\.\.\.\]\nTrace exec syscalls\n/);
  assert.match(help.stdout, /  -x, --fails +include failed exec\(\)s\n/);
});

/** Where cgroup v2 is mounted (/sys/fs/cgroup or, on hybrid systems, /sys/fs/cgroup/unified). */
function cgroup2Root(): string | undefined {
  const mounts = spawnSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).stdout.split('\n');
  return mounts.map((line) => line.split(' ')).find((fields) => fields[2] === 'cgroup2')?.[1];
}


