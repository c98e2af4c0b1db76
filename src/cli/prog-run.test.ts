/** `tsbpf prog run OBJ --attach`: events from a tracepoint, decoded from BTF, printed until --duration; nothing left behind. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openObject } from '../loader/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const built = corpus();

test('prog run --attach prints each getppid as a decoded struct event, then cleans up', { skip: typeof built === 'string' ? built : false }, async () => {
  if (typeof built === 'string') return;
  const path = built.path('loader/run_events.bpf.o');
  const before = kernelSnapshot();
  const child = spawn(process.execPath, [cli, '-j', 'prog', 'run', path, '--attach', '-d', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  // wait until it says it is attached, then make events
  while (!stderr.includes('attached') && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < 5; i++) void process.ppid;
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(status, 0, stderr);
  assert.match(stderr, /1 attached \(report_getppid\)/);
  const mine = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { map: string; event: { pid: number; comm: string } })
    .filter((line) => line.event.pid === process.pid);
  assert.equal(mine.length, 5, stdout);
  assert.equal(mine[0]!.map, 'events');
  assert.equal(mine[0]!.event.comm, 'node');
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), [], 'detached and unloaded');
});
