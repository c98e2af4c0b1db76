/**
 * USDT on the real kernel: corpus/usdt-target (probes from <sys/sdt.h>) traced by a BPF program
 * written for libbpf's <bpf/usdt.bpf.h> (corpus/loader/usdt_args.bpf.c). The target fires its probes
 * once per line it reads and answers with its semaphore's value, so each step is synchronous: the
 * recorded arguments must equal what the target passed, the semaphore must read 1 while traced and 0
 * after, and closing must leave no link, program, map or fd behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { loadObject, openObject, type BpfObject } from '../loader/index.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { corpus } from '../test-support/corpus.js';
import { probePmu } from './probe-pmu.js';
import { UsdtArgumentKind } from './usdt-args.js';
import { usdtProbeArguments, usdtProbeSites } from './usdt-notes.js';
import { attachUsdt } from './usdt.js';
import { startUsdtTarget, usdtFixtures, usdtLoadSkipReason } from './usdt-test-fixtures.js';

const fixtures = usdtFixtures();

/** Why these tests cannot run here, or false. Loads the object once to learn whether tsbpf's loader takes usdt.bpf.h's code. */
async function skipReason(): Promise<string | false> {
  if (typeof fixtures === 'string') return fixtures;
  const pmu = probePmu('uprobe');
  if (typeof pmu === 'string') return pmu;
  return usdtLoadSkipReason(fixtures.object);
}
const skip = await skipReason();

const value = (object: BpfObject, name: string) => object.variables[name]!.get();
const openFds = () => readdirSync('/proc/self/fd').length;
const linksOf = (programId: number) => bpftoolJson<{ prog_id: number; type: string }[]>('link', 'list').filter((link) => link.prog_id === programId);

test('tsbpf:args in one process: every argument as the target passed it, and bpf_usdt_cookie()', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startUsdtTarget(fixtures.target);
    using object = await loadObject(fixtures.object);
    // the target covers every operand kind usdt.bpf.h reads (whatever registers the compiler chose)
    const site = usdtProbeSites(new Uint8Array(readFileSync(fixtures.target))).find((s) => s.name === 'args')!;
    const kinds = new Set(usdtProbeArguments(site).map((argument) => argument.kind));
    assert.deepEqual([...kinds].sort(), [UsdtArgumentKind.Constant, UsdtArgumentKind.Register, UsdtArgumentKind.RegisterDereference], site.argumentText);

    await target.step();
    assert.equal(value(object, 'args_hits'), 0n, 'nothing before attaching');
    const program = object.programs.on_args!;
    const link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, cookie: 0xfeedfacecafen });
    assert.equal(link.sites.length, 1);
    assert.deepEqual(linksOf(program.id).map((l) => l.type), ['perf_event'], 'one uprobe link per site');
    await target.step('a');
    assert.equal(value(object, 'args_hits'), 1n);
    assert.equal(value(object, 'arg_count'), 10n);
    assert.equal(value(object, 'arg_errors'), 0n);
    assert.equal(value(object, 'cookie'), 0xfeedfacecafen);
    const args = (value(object, 'args') as bigint[]).map((v) => BigInt.asIntN(64, v));
    // fire(-3 * 'a', -1234567890123L, 250, -300, 0xfedcba9876543210UL, 4000000000U), then -77 on the stack, -5, 200, 0x123456789abc
    assert.deepEqual(args, [-3n * 97n, -1234567890123n, 250n, -300n, BigInt.asIntN(64, 0xfedcba9876543210n), 4000000000n, -77n, -5n, 200n, 0x123456789abcn, 0n, 0n]);
    await target.step('b');
    assert.equal(BigInt.asIntN(64, (value(object, 'args') as bigint[])[0]!), -3n * 98n, 'a register argument follows the call');
    link.close();
    await target.step();
    assert.equal(value(object, 'args_hits'), 2n, 'none after close');
    assert.deepEqual(linksOf(program.id), [], 'no link left');
    link.close();
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(fixtures.object))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('tsbpf:twice, every process: one uprobe per site, each site its own spec', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadObject(fixtures.object);
  const program = object.programs.on_twice!;
  {
    using link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'twice' });
    assert.equal(link.sites.length, 2);
    assert.equal(linksOf(program.id).length, 2);
    await target.step();
    await target.step();
    assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum')], [4n, 6n], 'both sites, arguments 1 and 2, twice');
  }
  await target.step();
  assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum')], [4n, 6n], 'none after close');
  assert.deepEqual(linksOf(program.id), []);
});

test('tsbpf:sem auto-attached from SEC("usdt/usdt-target:tsbpf:sem"): the semaphore is 1 while attached, 0 after', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadObject(fixtures.object);
  assert.equal(await target.step(), 0, 'no tracer: the semaphore is 0');
  const path = process.env.PATH;
  // libbpf finds a binary named without a slash on PATH; so does tsbpf
  process.env.PATH = `${dirname(fixtures.target)}:${path ?? ''}`;
  let links;
  try {
    links = object.attachAll();
  } finally {
    process.env.PATH = path;
  }
  assert.deepEqual([...links.keys()], ['on_sem']);
  assert.equal(await target.step(), 1, 'the kernel counts the uprobe in the semaphore');
  assert.deepEqual([value(object, 'sem_hits'), value(object, 'sem_seen')], [1n, 1n]);
  for (const link of links.values()) link.close();
  assert.equal(await target.step(), 0, 'cleared after close');
  assert.equal(value(object, 'sem_hits'), 1n);
});

test('a probe the binary lacks and a program without usdt.bpf.h are refused with typed errors', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using object = await loadObject(fixtures.object);
  assert.throws(() => attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'nope' }),
    (error: unknown) => error instanceof NotSupportedError && /has no such probe \(it has tsbpf:args, tsbpf:twice, tsbpf:sem\)/.test(error.message));
  const built = corpus();
  if (typeof built === 'string') return;
  using plain = await loadObject(built.path('loader/prog_uprobe.bpf.o'));
  const program = Object.values(plain.programs)[0]!;
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args' }), InvalidArgumentError);
  assert.deepEqual(linksOf(program.id), []);
});

test('the argument specs tsbpf writes are byte for byte the ones libbpf\'s bpf_program__attach_usdt writes', { skip }, async (t) => {
  if (typeof fixtures === 'string') return;
  if (typeof fixtures.libbpfAttach !== 'string') { t.skip(fixtures.libbpfAttach.missing); return; }
  const oracle: string = fixtures.libbpfAttach;
  using target = await startUsdtTarget(fixtures.target);
  for (const [program, name, cookie] of [['on_args', 'args', 0xfeedfacecafen], ['on_twice', 'twice', 7n]] as const) {
    const libbpf: string = execFileSync(oracle, [fixtures.object, program, fixtures.target, 'tsbpf', name, String(target.pid), `0x${cookie.toString(16)}`], { encoding: 'utf8' });
    const theirs: [number, string][] = [...libbpf.matchAll(/^spec (\d+) ([0-9a-f]+)$/gm)].map((match) => [Number(match[1]), match[2]!]);
    using object = await loadObject(fixtures.object);
    using link = attachUsdt(object.programs[program]!, { binary: fixtures.target, provider: 'tsbpf', name, pid: target.pid, cookie });
    const specs = object.maps.__bpf_usdt_specs!;
    const ours = theirs.map(([id]) => [id, Buffer.from(specs.lookup(new Uint8Array(new Uint32Array([id]).buffer))!).toString('hex')]);
    assert.ok(theirs.length >= 1 && link.sites.length >= 1);
    assert.deepEqual(ours, theirs, `${name}: spec ids and bytes`);
  }
});
