/**
 * profile on this kernel, run as a user runs it (`tsbpf profile ...` in a child process), sampling
 * children of the test that are busy in known code: a Node process in a uniquely named JavaScript
 * function (started with --perf-basic-prof, so its JIT frames have names), a shell spinning in a C
 * loop (user frames in dash), and dd copying /dev/zero (kernel frames under read/write). Kernel frame
 * names are checked against /proc/kallsyms, module paths against the shell's real path.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, waitForLinks } from '../common/tool-process.test-support.js';
import { runTool } from '../common/run-tool.js';
import { tool } from './profile.js';

const NAMES = ['do_perf_event', 'stackmap', 'counts', 'pids', 'tids', 'profile.rodata'];
const HOT_FUNCTION = 'tsbpfProfileHotLoop';
const children: ChildProcess[] = [];

function busy(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

after(() => {
  for (const child of children) {
    child.kill('SIGKILL');
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let kernelNames: Set<string> | undefined;
function isKernelFunction(name: string): boolean {
  kernelNames ??= new Set(readFileSync('/proc/kallsyms', 'latin1').split('\n').filter((line) => / [tTwW] /.test(line)).map((line) => line.split(/\s+/)[2]!));
  return kernelNames.has(name);
}

/** Folded lines as [comm, frames, count]. */
function folded(stdout: string): { comm: string; frames: string[]; count: number }[] {
  return stdout.split('\n').filter(Boolean).map((line) => {
    const match = /^(.*) (\d+)$/.exec(line);
    assert.ok(match, `a folded line ends in its count: ${line}`);
    const [comm, ...frames] = match[1]!.split(';');
    return { comm: comm!, frames, count: Number(match[2]) };
  });
}

test('profile -f -p: a Node process\'s JavaScript function by name (perf map), under node\'s own ELF functions', async () => {
  const before = kernelSnapshot();
  const script = `function ${HOT_FUNCTION}(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
    let x = 0; const end = Date.now() + 30000; while (Date.now() < end) x += ${HOT_FUNCTION}(100000);`;
  const node = busy(process.execPath, ['--perf-basic-prof', '--interpreted-frames-native-stack', '-e', script]);
  await sleep(500);
  const result = await runToolProcess('profile', ['-f', '-p', String(node.pid), '2']);
  assert.equal(result.code, 0, result.stderr);
  const lines = folded(result.stdout);
  assert.ok(lines.length > 0, 'some samples');
  assert.ok(lines.every((line) => line.comm === 'node'), 'only the pid asked for');
  const total = lines.reduce((sum, line) => sum + line.count, 0);
  // at most 49 Hz for 2 s on each of the machine's CPUs; fewer when the child shares a busy CPU
  assert.ok(total >= 5 && total <= 2 * 49 * 2 + 10, `samples at 49 Hz for 2 s: ${total}`);
  const hot = lines.filter((line) => line.frames.some((frame) => frame.startsWith('JS:') && frame.includes(HOT_FUNCTION)));
  assert.ok(hot.reduce((sum, line) => sum + line.count, 0) > total / 2, `most samples are in ${HOT_FUNCTION}:\n${result.stdout}`);
  // below the JIT code, frames in node's binary named from its .symtab
  assert.ok(hot.some((line) => line.frames.includes('Builtins_JSEntry')), result.stdout);
  assert.ok(hot.some((line) => line.frames.some((frame) => frame.startsWith('_ZN4node'))), result.stdout);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('profile -v -U -p: a shell\'s C loop — user frames in dash, the libbpf-tools block layout, Ctrl-C ends it', async () => {
  const before = kernelSnapshot();
  const shell = busy('/bin/sh', ['-c', 'while :; do :; done']);
  const pid = shell.pid!;
  const tool = startTool('profile', ['-v', '-U', '-p', String(pid)]);
  await tool.waitForLine(new RegExp(`^Sampling at 49 Hertz of PID \\[${pid}\\] by user\\.\\.\\. Hit Ctrl-C to end\\.$`));
  await sleep(1500);
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const blocks = result.stdout.split('\n\n').slice(0, -1);
  assert.ok(blocks.length > 0, result.stdout);
  const dash = realpathSync('/bin/sh');
  let dashFrames = 0;
  blocks.forEach((block, i) => {
    const lines = (i === 0 ? block.split('\n').slice(1) : block.split('\n'));
    assert.match(lines.at(-1)!, /^ {8}\d+$/);
    assert.equal(lines.at(-2), `    ${'-'.padEnd(16)} sh (${pid})`);
    for (const frame of lines.slice(0, -2)) {
      assert.match(frame, /^ {4}0x[0-9a-f]{16}( \S+\+0x[0-9a-f]+)?( \(\S+(\+0x[0-9a-f]+)?\))?$/, 'user frames: 16-digit addresses, symbol and file when known');
      assert.ok(!frame.startsWith('    0xffff'), 'no kernel frames with -U');
      if (frame.includes(`(${dash}+0x`)) dashFrames++;
    }
  });
  assert.ok(dashFrames > 0, `frames in ${dash}:\n${result.stdout}`);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('profile -K / -U / -d on dd: kernel frames are kallsyms functions, user frames none of them; the delimiter between', async () => {
  const dd = busy('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1M']);
  await sleep(200);
  const pid = String(dd.pid);
  const kernelOnly = folded((await runToolProcess('profile', ['-f', '-K', '-p', pid, '1'])).stdout);
  const kernelFrames = kernelOnly.flatMap((line) => line.frames).filter((frame) => frame !== '[unknown]');
  assert.ok(kernelFrames.length > 0, 'dd spends its time in the kernel');
  assert.deepEqual(kernelFrames.filter((frame) => !isKernelFunction(frame)), [], 'every -K frame is a kernel function');
  assert.ok(kernelOnly.some((line) => line.frames[0]?.startsWith('entry_SYSCALL_64')), 'outermost first: the syscall entry');

  const userOnly = folded((await runToolProcess('profile', ['-f', '-U', '-L', pid, '1'])).stdout);
  assert.ok(userOnly.length > 0 && userOnly.every((line) => line.comm === 'dd'), '-L: dd\'s one thread');
  assert.deepEqual(userOnly.flatMap((line) => line.frames).filter((frame) => frame.startsWith('entry_SYSCALL') || frame === 'do_syscall_64'), [], 'no kernel frames with -U');

  const both = folded((await runToolProcess('profile', ['-f', '-d', '-p', pid, '1'])).stdout);
  const delimited = both.filter((line) => line.frames.includes('-'));
  assert.ok(delimited.length > 0, 'user and kernel stacks with a delimiter');
  for (const line of delimited) {
    const kernelPart = line.frames.slice(line.frames.indexOf('-') + 1);
    assert.ok(kernelPart.filter((frame) => frame !== '[unknown]').every(isKernelFunction), `after '-' the kernel's frames: ${line.frames.join(';')}`);
  }
});

test('profile --json: one object per stack with symbolized frames; SIGTERM ends it cleanly', async () => {
  const before = kernelSnapshot();
  const dd = busy('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1M']);
  const tool = startTool('profile', ['--json', '-F', '99', '-p', String(dd.pid)]);
  await waitForLinks(tool.child.pid!, 1); // --json prints no header to wait for: attached is when its perf events have links
  await sleep(3000); // time to sample
  const result = await tool.stop('SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  const records = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { pid: number; comm: string; count: number; kernel_stack?: { address: string; name: string }[]; user_stack?: unknown[] });
  assert.ok(records.length > 0);
  for (const record of records) {
    assert.equal(record.pid, dd.pid);
    assert.equal(record.comm, 'dd');
    assert.ok(record.count > 0);
  }
  const frame = records.flatMap((record) => record.kernel_stack ?? []).find((candidate) => candidate.name !== '[unknown]');
  assert.ok(frame && /^0xffff[0-9a-f]+$/.test(frame.address) && isKernelFunction(frame.name), JSON.stringify(frame));
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('profile: bad flags exit 2 with a usage message; -U with -K exits 1 as libbpf-tools does', async () => {
  // the CLI's exit status once; the other bad command lines in-process (they never reach the kernel)
  const cli = await runToolProcess('profile', ['--bogus']);
  assert.equal(cli.code, 2, cli.stderr);
  assert.equal(cli.stderr, "profile: unrecognized option '--bogus'\nUsage: profile [OPTION...] [duration]\nTry 'profile --help' or 'profile --usage' for more information.\n");
  const run = async (args: readonly string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runTool(tool, args, { stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; } });
    return { code, stdout, stderr };
  };
  for (const [args, message] of [
    [['-F', '0'], 'invalid FREQUENCY: 0'],
    [['-p', 'abc'], 'invalid PID: abc'],
    [['-L', '1,x'], 'invalid TID: 1,x'],
    [['-p', Array.from({ length: 31 }, (_, i) => i + 1).join(',')], 'the number of pid is too big, at most 30'],
    [['0'], 'Invalid duration (in s): 0'],
    [['1', '2'], 'Unrecognized positional argument: 2'],
    [['--stack-storage-size', '-3'], 'invalid stack storage size: -3'],
    [['-C', 'x'], 'invalid CPU: x'],
  ] as const) {
    const result = await run(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stderr.startsWith(`profile: ${message}\n`), result.stderr);
  }
  const both = await run(['-U', '-K', '1']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, 'user_stacks_only and kernel_stacks_only cannot be used together.\n');
  const help = await run(['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: profile \[OPTION\.\.\.\] \[duration\]/);
  assert.match(help.stdout, /--stack-storage-size=STACK-STORAGE-SIZE/);
});
