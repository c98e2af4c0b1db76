/**
 * USDT without BPF cookies (kernels before 5.15), forced on a kernel that has them: the program
 * (corpus/loader/usdt_nocookie.bpf.c, libbpf's usdt.bpf.h) is loaded with its LINUX_HAS_BPF_COOKIE
 * false, so it finds each hit's spec id in __bpf_usdt_ip_to_spec_id by the probe's address, and
 * attachUsdt is told `bpfCookies: false`, so it writes those addresses instead of cookies. The target
 * (corpus/usdt-target) is a PIE executable: the addresses come from its /proc/PID/maps. A spec the
 * program cannot find shows in spec_misses; closing must empty the address map.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { parseElf } from '../elf/index.js';
import { loadObject, type BpfObject } from '../loader/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { probePmu } from './probe-pmu.js';
import { usdtFixtures } from './usdt-test-fixtures.js';
import { attachUsdt } from './usdt.js';

const fixtures = usdtFixtures();
const built = corpus();
const objectPath = typeof built === 'string' ? '' : built.path('loader/usdt_nocookie.bpf.o');

function skipReason(): string | false {
  if (typeof fixtures === 'string') return fixtures;
  if (typeof built === 'string') return built;
  const pmu = probePmu('uprobe');
  if (typeof pmu === 'string') return pmu;
  if (!existsSync(objectPath) || !parseElf(new Uint8Array(readFileSync(objectPath))).sections.some((section) => section.name === 'usdt')) {
    return 'corpus/loader/usdt_nocookie.bpf.c was built without <asm/errno.h>, which <bpf/usdt.bpf.h> needs';
  }
  return false;
}
const skip = skipReason();

/** corpus/usdt-target driven a line at a time: each line fires every probe once and is answered "sem=N". */
class Target implements Disposable {
  readonly process: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];

  constructor(path: string) {
    this.process = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let pending = '';
    this.process.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      this.#lines.push(...lines);
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  async line(): Promise<string> {
    const deadline = Date.now() + 5000 * (process.env.TSBPF_GUEST ? 6 : 1);
    while (this.#lines.length === 0) {
      if (Date.now() > deadline) throw new Error('the USDT target did not answer in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.#lines.shift()!;
  }

  async step(letter = 'a'): Promise<void> {
    this.process.stdin.write(`${letter}\n`);
    assert.match(await this.line(), /^sem=\d+$/);
  }

  /** Kills the target and waits until its pipes are closed (they are fds of this process until then). */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const closed = new Promise((resolve) => this.process.once('close', resolve));
    this.process.kill('SIGKILL');
    await closed;
  }

  [Symbol.dispose](): void {
    this.process.kill('SIGKILL');
  }
}

async function startTarget(path: string): Promise<Target> {
  const target = new Target(path);
  assert.equal(await target.line(), 'ready');
  return target;
}

function loadNoCookie(cookies: 'y' | 'n'): Promise<BpfObject> {
  return loadObject(objectPath, { kconfig: { CONFIG_TSBPF_TEST_BPF_COOKIE: cookies } });
}

const value = (object: BpfObject, name: string) => object.variables[name]!.get();
const openFds = () => readdirSync('/proc/self/fd').length;

/** Every (address, spec id) in the object's __bpf_usdt_ip_to_spec_id. */
function addressEntries(object: BpfObject): [bigint, number][] {
  const map = object.maps.__bpf_usdt_ip_to_spec_id!;
  return [...map.keys()].map((key) => [Buffer.from(key).readBigInt64LE(0), Buffer.from(map.lookup(key)!).readUInt32LE(0)] as [bigint, number]).sort((a, b) => Number(a[0] - b[0]));
}

test('tsbpf:args without cookies: the spec found by address, arguments and bpf_usdt_cookie() right, the map emptied on close', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startTarget(fixtures.target);
    using object = await loadNoCookie('n');
    const link = attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, cookie: 0xabcdefn, bpfCookies: false });
    assert.equal(link.addresses?.length, 1);
    const address = link.addresses![0]!;
    // the site's address in the target: its mapping's start, less the mapping's file offset, plus the site's file offset
    const site = link.sites[0]!;
    const mapping = readFileSync(`/proc/${target.pid}/maps`, 'utf8').split('\n').map((line) => /^([0-9a-f]+)-([0-9a-f]+) r-xp ([0-9a-f]+) /.exec(line))
      .find((m) => m && m.input.includes('usdt-target') && parseInt(m[3]!, 16) <= site.fileOffset && site.fileOffset < parseInt(m[3]!, 16) + parseInt(m[2]!, 16) - parseInt(m[1]!, 16));
    assert.ok(mapping, 'the target maps its code');
    assert.equal(address, BigInt(parseInt(mapping[1]!, 16) - parseInt(mapping[3]!, 16) + site.fileOffset));
    assert.deepEqual(addressEntries(object).map(([a]) => a), [address]);
    await target.step('a');
    assert.equal(value(object, 'args_hits'), 1n);
    assert.equal(value(object, 'spec_misses'), 0n, 'the program found its spec by address');
    assert.equal(value(object, 'arg_count'), 10n);
    assert.equal(value(object, 'cookie'), 0xabcdefn);
    assert.deepEqual((value(object, 'first_args') as bigint[]).map((v) => BigInt.asIntN(64, v)), [-3n * 97n, -1234567890123n, 250n]);
    link.close();
    assert.deepEqual(addressEntries(object), [], 'the address map is empty after close');
    await target.step();
    assert.equal(value(object, 'args_hits'), 1n, 'none after close');
    await target.stop();
  }
  assert.deepEqual(await leftoverObjects(before, ['on_args', 'on_twice']), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('tsbpf:twice without cookies: two sites, two addresses, each with its own spec', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startTarget(fixtures.target);
  using object = await loadNoCookie('n');
  {
    using link = attachUsdt(object.programs.on_twice!, { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false });
    assert.equal(link.sites.length, 2);
    const entries = addressEntries(object);
    assert.equal(entries.length, 2);
    assert.notEqual(entries[0]![1], entries[1]![1], 'different arguments, different specs');
    await target.step();
    await target.step();
    assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum'), value(object, 'spec_misses')], [4n, 6n, 0n]);
  }
  assert.deepEqual(addressEntries(object), []);
});

test('without cookies: every process of a PIE binary is refused, a second attach of a site too; nothing left behind', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startTarget(fixtures.target);
  using object = await loadNoCookie('n');
  const program = object.programs.on_args!;
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', bpfCookies: false }),
    (error: unknown) => error instanceof NotSupportedError && /pid option/.test(error.hint));
  assert.deepEqual(addressEntries(object), []);
  using first = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: false });
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: false }),
    (error: unknown) => error instanceof NotSupportedError && /already traced/.test(error.message));
  assert.deepEqual(addressEntries(object).map(([a]) => a), first.addresses, 'the first attachment\'s entry stays');
  await target.step();
  assert.deepEqual([value(object, 'args_hits'), value(object, 'spec_misses')], [1n, 0n], 'the first attachment still works');
});

test('the control: a no-cookie program attached with cookies misses its specs; with LINUX_HAS_BPF_COOKIE true, cookies find them', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startTarget(fixtures.target);
  {
    using object = await loadNoCookie('n');
    using link = attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: true });
    assert.equal(link.addresses, undefined);
    await target.step();
    assert.deepEqual([value(object, 'args_hits'), value(object, 'spec_misses')], [1n, 1n], 'no address entry: the program cannot find the spec');
  }
  {
    using object = await loadNoCookie('y');
    using link = attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: true });
    void link;
    await target.step();
    assert.deepEqual([value(object, 'args_hits'), value(object, 'spec_misses'), value(object, 'arg_count')], [1n, 0n, 10n]);
    assert.deepEqual(addressEntries(object), []);
  }
});
