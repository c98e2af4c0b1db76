/**
 * biolatency on this kernel, run as a user runs it: the test finds the block device under its temporary
 * directory (probed from st_dev and /sys/dev/block, skipped with that reason when there is none), makes
 * real disk I/O with dd and O_DIRECT (no page cache in between), and checks the histograms: per disk
 * (-D, -d), per operation and flags (-F), -Q and -m, the raw_tp fallback, --json, bad flags, and that
 * nothing stays loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool } from '../common/tool-process.test-support.js';
import { readPartitions } from './biolatency.js';

const run = promisify(execFile);
const OBJECT_NAMES = [
  'block_rq_insert_btf', 'block_rq_issue_btf', 'block_rq_complete_btf', 'block_rq_insert_raw', 'block_rq_issue_raw', 'block_rq_complete_raw',
  'hists', 'cgroup_map', 'biolatenc.rodata', 'biolatency.rodata', 'biolatenc.kconfig', 'biolatency.kconfig',
];
const TRACING = 'Tracing block device I/O... Hit Ctrl-C to end.';
const BUCKET = /^ +(\d+) -> (\d+) +: (\d+) +\|[* ]{40}\|$/;
const READS = 64;

const directory = mkdtempSync(join(tmpdir(), 'tsbpf-biolatency-'));
const data = join(directory, 'data');
process.on('exit', () => rmSync(directory, { recursive: true, force: true }));

/** The whole disk under `path` (a partition's parent), or why there is none. */
function diskUnder(path: string): { disk: string } | { reason: string } {
  const dev = statSync(path).dev;
  // glibc's dev_t encoding: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31
  const major = Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
  const minor = Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
  const entry = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(entry)) return { reason: `${path} is on device ${major}:${minor}, which is no block device (no ${entry})` };
  const real = realpathSync(entry);
  return { disk: existsSync(join(real, 'partition')) ? basename(dirname(real)) : basename(real) };
}

const found = diskUnder(directory);
const skip = 'reason' in found ? found.reason : undefined;
const disk = 'disk' in found ? found.disk : '';

/** Reads `count` 4 KiB blocks of the data file with O_DIRECT: each one a request to the disk. */
async function directReads(count = READS): Promise<void> {
  await run('dd', [`if=${data}`, 'of=/dev/null', 'iflag=direct', 'bs=4k', `count=${count}`, 'status=none']);
}

async function directWrites(count: number): Promise<void> {
  await run('dd', ['if=/dev/zero', `of=${data}`, 'oflag=direct', 'conv=notrunc', 'bs=4k', `count=${count}`, 'status=none']);
}

function totalCount(stdout: string): number {
  return stdout.split('\n').map((line) => BUCKET.exec(line)).reduce((sum, match) => sum + (match ? Number(match[3]) : 0), 0);
}

test('readPartitions: /proc/partitions names by MKDEV(major, minor) with 20 minor bits', () => {
  const text = 'major minor  #blocks  name\n\n 254        0  268435456 vda\n 254        1     102400 vda1\n   7        0      10240 loop0\n';
  assert.deepEqual(readPartitions(text), [
    { name: 'vda', dev: (254 << 20) | 0 },
    { name: 'vda1', dev: (254 << 20) | 1 },
    { name: 'loop0', dev: 7 << 20 },
  ]);
});

test('biolatency -D -d DISK: direct reads on the test\'s disk counted under its name', { skip }, async () => {
  const before = kernelSnapshot();
  await directWrites(READS);
  const tool = startTool('biolatency', ['-D', '-d', disk]);
  await tool.waitForLine(/^Tracing block device I\/O/);
  await directReads();
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.equal(lines[0], TRACING);
  const headers = lines.filter((line) => line.startsWith('disk = '));
  assert.deepEqual(headers, [`disk = ${disk}\t`], result.stdout);
  assert.equal(lines[lines.indexOf(headers[0]!) + 1], '     usecs               : count    distribution');
  assert.ok(totalCount(result.stdout) >= READS, `at least the ${READS} direct reads:\n${result.stdout}`);
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});

test('biolatency --json -F 1 2: reads and writes apart, named as libbpf-tools names the flags', { skip }, async () => {
  // --json prints no banner to wait for: keep the disk busy until the two summaries are out
  const tool = startTool('biolatency', ['--json', '-F', '-d', disk, '1', '2']);
  let finished = false;
  const result = await Promise.race([tool.done.finally(() => { finished = true; }), (async () => {
    while (!finished) await Promise.all([directReads(READS / 4), directWrites(4)]);
    return tool.done;
  })()]);
  assert.equal(result.code, 0, result.stderr);
  const objects = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { unit: string; histograms: { flags: string[]; buckets: { count: number }[] }[] });
  assert.equal(objects.length, 2, result.stdout);
  const second = objects[1]!;
  assert.equal(second.unit, 'usecs');
  const count = (op: string) => second.histograms.filter((hist) => hist.flags.at(-1) === op)
    .reduce((sum, hist) => sum + hist.buckets.reduce((total, bucket) => total + bucket.count, 0), 0);
  assert.ok(count('Read') >= READS / 4, `a whole second of direct reads:\n${result.stdout}`);
  assert.ok(count('Write') >= 4, result.stdout);
  const known = new Set(['NoWait', 'Background', 'ReadAhead', 'PreFlush', 'FUA', 'Integrity', 'Idle', 'NoMerge', 'Priority', 'Metadata', 'Sync']);
  for (const hist of second.histograms) assert.ok(hist.flags.slice(0, -1).every((flag) => known.has(flag)), JSON.stringify(hist.flags));
});

test('biolatency -F text: `flags = ...-Op` lines; -Q -m -T: msecs with a time line (SIGTERM)', { skip }, async () => {
  const flagged = startTool('biolatency', ['-F', '-d', disk]);
  await flagged.waitForLine(/^Tracing block device I\/O/);
  await directReads();
  const flaggedResult = await flagged.stop('SIGINT');
  assert.equal(flaggedResult.code, 0, flaggedResult.stderr);
  assert.ok(flaggedResult.stdout.split('\n').some((line) => /^flags = ([A-Za-z]+-)*Read$/.test(line)), flaggedResult.stdout);

  const queued = startTool('biolatency', ['-QmT', '-d', disk]);
  await queued.waitForLine(/^Tracing block device I\/O/);
  await directReads();
  const result = await queued.stop('SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.match(lines[2]!, /^\d\d:\d\d:\d\d$/);
  assert.deepEqual(lines.slice(3, 5), ['', '     msecs               : count    distribution'], result.stdout);
  assert.ok(totalCount(result.stdout) >= READS, result.stdout);
});

test('biolatency --tracepoints raw_tp: the raw tracepoint fallback counts the same reads', { skip }, async () => {
  const tool = startTool('biolatency', ['-v', '--tracepoints', 'raw_tp', '-d', disk]);
  await tool.waitForLine(/^Tracing block device I\/O/);
  await directReads();
  const result = await tool.stop('SIGINT');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /through raw_tp/);
  assert.ok(totalCount(result.stdout) >= READS, result.stdout);
});

test('biolatency: bad flags exit 2 with a usage message; an unknown disk exits 1', async () => {
  const before = kernelSnapshot();
  for (const args of [['-Z'], ['-d', 'x'.repeat(32)], ['1', '2', '3'], ['abc'], ['--tracepoints', 'fentry']]) {
    const result = await runToolProcess('biolatency', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^biolatency: .+\nUsage: biolatency \[OPTION\.\.\.\] \[interval\] \[count\]\nTry 'biolatency --help'/);
  }
  const unknown = await runToolProcess('biolatency', ['-d', 'nosuchdisk0']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'invaild partition name: not exist\n');
  assert.deepEqual(await leftoverObjects(before, OBJECT_NAMES), []);
});
