/**
 * `tsbpf tour` end to end, as a user runs it: the CLI in a child process on this kernel. Checks every step's
 * heading, the failing open (ERR 2) and a successful one (its fd, as the tour's own open saw it) among the
 * events, C lines in the xlated dump, the counters agreeing with the events, and — with bpftool, not tsbpf —
 * that no program, map or link of the tour is left. Also `--step` with stdin from a pipe, the missing-
 * privileges line, and -j refused.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openObject } from '../loader/index.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { TOUR_STEPS } from './run-tour.js';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const objectPath = fileURLToPath(new URL('../tools/opensnoop/opensnoop.bpf.o', import.meta.url));
const TOUR_LIMIT_MS = 20_000;
/** The child's comm, as the kernel names it in events: the executable's name, cut to 15 characters. */
const COMM = basename(process.execPath).slice(0, 15);

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the live tests cannot run here, or false. */
function liveSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'the tour loads tracing programs: run the tests as root';
  if (!existsSync(objectPath)) return `${objectPath} is missing: build the tools' objects (OUT=<build dir> bash src/tools/build.sh)`;
  if (!hasCommand('bpftool')) return 'bpftool (the oracle for what is left behind) is not installed';
  return false;
}

interface TourRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runTour(args: string[], options: { stdin?: string; prefix?: string[] } = {}): Promise<TourRun> {
  const started = performance.now();
  const command = [...(options.prefix ?? []), process.execPath, cli, ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  if (options.stdin !== undefined) child.stdin.write(options.stdin);
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), TOUR_LIMIT_MS * 2);
  return new Promise((resolve) => child.on('close', (status) => {
    clearTimeout(timer);
    resolve({ status, stdout, stderr, ms: performance.now() - started });
  }));
}

/** The tour's program and map ids, from its `prog list` and `map list` lines (`77034: tracepoint  name enter_open ...`). */
function tourIds(stdout: string): { programs: Set<number>; maps: Set<number> } {
  const listed = (pattern: RegExp) => new Set([...stdout.matchAll(pattern)].map((match) => Number(match[1])));
  return {
    programs: listed(/^(\d+): tracepoint {2}name \w+ {2}tag /gm),
    maps: listed(/^(\d+): [a-z_]+ {2}name [\w.]+ {2}flags 0x/gm),
  };
}

function assertStepsShown(stdout: string): void {
  TOUR_STEPS.forEach((title, i) => assert.ok(stdout.includes(`== Step ${i + 1}/${TOUR_STEPS.length}: ${title} `), `heading of step ${i + 1} (${title})`));
}

/**
 * bpftool's view after the tour: nothing new with opensnoop's names that is the tour's (other engineers' opensnoop runs
 * may load the same names meanwhile, so leftovers are matched against the ids the tour printed), and no link to its programs.
 */
async function assertNothingLeft(before: ReturnType<typeof kernelSnapshot>, stdout: string): Promise<void> {
  const ours = tourIds(stdout);
  assert.equal(ours.programs.size, 6, 'the tour listed its six programs');
  assert.equal(ours.maps.size, 6, 'the tour listed its six maps');
  const names = objectNames(await openObject(objectPath));
  const left = (await leftoverObjects(before, names)).filter((entry) => {
    const [kind, id] = entry.split(' ');
    return (kind === 'prog' ? ours.programs : ours.maps).has(Number(id));
  });
  assert.deepEqual(left, [], 'no program or map of the tour is left (bpftool)');
  const links = bpftoolJson<{ id: number; prog_id: number }[]>('link', 'list').filter((link) => ours.programs.has(link.prog_id));
  assert.deepEqual(links, [], 'no link of the tour is left (bpftool)');
}

const live = liveSkipReason();

test('tsbpf tour walks every step in under 20 s, shows its opens as events, and leaves nothing behind', { skip: live }, async () => {
  const before = kernelSnapshot();
  const run = await runTour(['tour']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.ok(run.ms < TOUR_LIMIT_MS, `the tour took ${run.ms.toFixed(0)} ms`);
  assertStepsShown(run.stdout);

  // step 1: obj show's text of the object
  assert.match(run.stdout, /^\$ tsbpf obj show .*opensnoop\.bpf\.o$/m);
  assert.match(run.stdout, /ELF64 relocatable object \(REL\), Linux BPF, little endian, 6 programs/);

  // step 3: the xlated dump with C source lines from line info
  const dump = run.stdout.slice(run.stdout.indexOf('$ tsbpf prog dump xlated id '), run.stdout.indexOf('== Step 4/'));
  assert.match(dump, /^int enter_openat\(struct trace_event_raw_sys_enter \* ctx\):$/m);
  assert.match(dump, /^; __u64 pid_tgid = bpf_get_current_pid_tgid\(\); \[file:\S*opensnoop\.bpf\.c line_num:\d+ line_col:\d+\]$/m);
  assert.match(dump, /^ +\d+: \(85\) call bpf_get_current_pid_tgid#\d+$/m);

  // step 4: the failing open with ERR 2, the successful ones with the fd the tour's open returned
  const pid = /^\$ tsbpf opensnoop -p (\d+)$/m.exec(run.stdout)?.[1];
  assert.ok(pid, 'the events step names the tour\'s pid');
  const missing = /^ {2}open\("(\/tmp\/tsbpf-tour-[^"]+)"\) failed: ENOENT \(errno 2\)$/m.exec(run.stdout)?.[1];
  assert.ok(missing, 'the tour made a failing open of a unique path');
  assert.match(run.stdout, new RegExp(`^${pid} +${COMM} +-1 +2 ${missing.replaceAll('.', '\\.')}$`, 'm'));
  const opened = [...run.stdout.matchAll(/^ {2}open\("([^"]+)"\) = (\d+)$/gm)];
  assert.equal(opened.length, 2, 'two opens succeeded');
  for (const [, path, fd] of opened) {
    assert.match(run.stdout, new RegExp(`^${pid} +${COMM} +${fd} +0 ${path!.replaceAll('.', '\\.')}$`, 'm'), `event for ${path} with fd ${fd}`);
  }

  // step 5: the per-CPU counters add up to the events printed
  const sums = /^Summed over the CPUs: (\d+) opened, (\d+) failed \(the events above: (\d+) opened, (\d+) failed\)\.$/m.exec(run.stdout);
  assert.ok(sums, 'the counters summary');
  assert.equal(sums[1], sums[3]);
  assert.equal(sums[2], sums[4]);
  assert.ok(Number(sums[2]) >= 1);
  assert.match(run.stdout, /^\$ tsbpf map dump id \d+\n\[\{\n +"key": 0,\n +"values": \[\{\n +"cpu": 0,/m);

  // step 6 says so, and bpftool agrees
  assert.match(run.stdout, /^programs [\d, ]+: gone from the kernel$/m);
  assert.match(run.stdout, /^maps [\d, ]+: gone from the kernel$/m);
  await assertNothingLeft(before, run.stdout);
});

test('tsbpf tour --step with stdin from a pipe of newlines runs through without waiting', { skip: live }, async () => {
  const before = kernelSnapshot();
  const run = await runTour(['tour', '--step'], { stdin: '\n'.repeat(TOUR_STEPS.length) });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.ms < TOUR_LIMIT_MS, `the tour took ${run.ms.toFixed(0)} ms`);
  assert.match(run.stdout, /^\(--step: stdin is not a terminal, so the tour does not wait between steps\)$/m);
  assert.doesNotMatch(run.stdout, /Press Enter/);
  assertStepsShown(run.stdout);
  await assertNothingLeft(before, run.stdout);
});

test('tsbpf tour without CAP_BPF/CAP_PERFMON: one line naming them, exit 1, nothing printed', {
  skip: live || (!hasCommand('setpriv') ? 'setpriv (util-linux) is not installed' : false),
}, async () => {
  // root without those capabilities in its bounding set: exec leaves them out of the effective set
  const run = await runTour(['tour'], { prefix: ['setpriv', '--bounding-set', '-bpf,-perfmon,-sys_admin', '--inh-caps', '-bpf,-perfmon,-sys_admin', '--'] });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^tsbpf: tour: .*CAP_BPF.*CAP_PERFMON/);
  assert.match(lines[0]!, /; run it as root/);
});

test('tsbpf tour | (a reader that goes away): one line on stderr, no stack trace', { skip: live }, async () => {
  const child = spawn(process.execPath, [cli, 'tour'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  // the reader is gone before the tour's first line (a `| head -1` that reads one line races the tour,
  // which under emulation can write everything into the pipe before the reader gets its first chunk)
  child.stdout.destroy();
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^tsbpf: tour: stdout failed \(EPIPE\), so the tour stopped; nothing was left loaded; [^\n]*\n$/);
});

test('tsbpf -j tour is a usage error (the tour prints text)', async () => {
  const run = await runTour(['-j', 'tour']);
  assert.equal(run.status, 2, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { error: 'tour: the tour prints text only; run tsbpf tour without -j/-p' }, 'the error as JSON, as bpftool answers -j');
  assert.match(run.stderr, /^tsbpf: tour: the tour prints text only; run tsbpf tour without -j\/-p\n$/);
});
