/**
 * `tsbpf btf dump file F format c|raw` as a process, against `bpftool btf dump` on the same file: this
 * kernel's vmlinux (read, not mapped, for format c; compiled with a smaller V8 inlining budget) and
 * our own objects in both byte orders.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { corpus } from '../test-support/corpus.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const VMLINUX = '/sys/kernel/btf/vmlinux';
const HAVE_BPFTOOL = spawnSync('bpftool', ['--version'], { stdio: 'ignore' }).status === 0;

function run(command: string, args: readonly string[]): Buffer {
  const result = spawnSync(command, args, { maxBuffer: 256 << 20 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr.toString()}`);
  return result.stdout;
}

function assertSameBytes(ours: Buffer, theirs: Buffer, what: string): void {
  if (ours.equals(theirs)) return;
  const a = ours.toString('utf8').split('\n');
  const b = theirs.toString('utf8').split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  assert.fail(`${what}: line ${line + 1} differs\n  ours:    ${JSON.stringify(a[line])}\n  bpftool: ${JSON.stringify(b[line])}`);
}

test('btf dump file vmlinux format c is bpftool\'s output byte for byte', (t) => {
  if (!HAVE_BPFTOOL) return t.skip('bpftool is not installed');
  if (!existsSync(VMLINUX)) return t.skip(`${VMLINUX} is absent`);
  const ours = run(process.execPath, [MAIN, 'btf', 'dump', 'file', VMLINUX, 'format', 'c']);
  assertSameBytes(ours, run('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c']), 'vmlinux');
});

test('btf dump file OBJECT format c and raw match bpftool for our objects, both byte orders', (t) => {
  if (!HAVE_BPFTOOL) return t.skip('bpftool is not installed');
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  for (const name of ['kinds.o', 'kinds.eb.o', 'maps.o']) {
    const file = built.path(name);
    for (const format of ['c', 'raw']) {
      const ours = run(process.execPath, [MAIN, 'btf', 'dump', 'file', file, 'format', format]);
      assertSameBytes(ours, run('bpftool', ['btf', 'dump', 'file', file, 'format', format]), `${name} format ${format}`);
    }
  }
});
