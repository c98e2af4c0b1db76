/**
 * USDT as kernels before 5.15 must attach it: no BPF cookies (corpus/loader/usdt_nocookie.bpf.c with
 * LINUX_HAS_BPF_COOKIE false, spec ids found by address) and no perf event BPF links, each site's
 * program set on its perf event by PERF_EVENT_IOC_SET_BPF. This kernel has both, so the tests force
 * the ioctl (`perfEventLinks: false`), through the uprobe PMU and through tracefs uprobe_events.
 * bpftool is the oracle: `link list` shows no link of the program while attached, `perf list` shows
 * the program on a uprobe at each site's file offset in this process. The target's answers show the
 * arguments and the semaphore; closing must leave no program, map, fd, tracefs event or address entry.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { loadObject, openObject, type BpfObject } from '../loader/index.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { ownProbeEvents, probeEventsFile } from './kprobe-legacy.js';
import { PerfEventAttachment } from './perf-event-ioctl.js';
import { probePmu } from './probe-pmu.js';
import { occupyUsdtAddress, startUsdtTarget, usdtAddressEntries, usdtFixtures } from './usdt-test-fixtures.js';
import { attachUsdt, type UsdtLink, type UsdtOptions } from './usdt.js';

const fixtures = usdtFixtures();
/** The no-cookie object's path; '' only where the tests skip. */
const objectPath = typeof fixtures === 'string' || typeof fixtures.noCookieObject !== 'string' ? '' : fixtures.noCookieObject;
const pmu = probePmu('uprobe');
const uprobeEvents = probeEventsFile('uprobe');

function skipReason(): string | false {
  if (typeof fixtures === 'string') return fixtures;
  if (typeof fixtures.noCookieObject !== 'string') return fixtures.noCookieObject.missing;
  return false;
}
const skip = skipReason();
/** Why `mode` can't run here, or false. */
function skipMode(mode: 'pmu' | 'legacy'): string | false {
  if (skip) return skip;
  if (mode === 'pmu') return typeof pmu === 'string' ? pmu : false;
  return typeof uprobeEvents === 'string' ? false : uprobeEvents.missing;
}

const loadNoCookie = (): Promise<BpfObject> => loadObject(objectPath, { kconfig: { CONFIG_TSBPF_TEST_BPF_COOKIE: 'n' } });
const value = (object: BpfObject, name: string) => object.variables[name]!.get();
const signed = (values: unknown) => (values as bigint[]).map((v) => BigInt.asIntN(64, v));
const openFds = () => readdirSync('/proc/self/fd').length;
const linksOf = (programId: number) => bpftoolJson<{ prog_id: number }[]>('link', 'list').filter((link) => link.prog_id === programId);

interface PerfListEntry { pid: number; fd: number; prog_id: number; fd_type: string; filename?: string; offset?: number }
/** `bpftool perf list`'s entries for this process's perf events that run `programId`. */
const perfEventsOf = (programId: number) => bpftoolJson<PerfListEntry[]>('perf', 'list').filter((entry) => entry.pid === process.pid && entry.prog_id === programId);

/** What the link's sites look like to `bpftool perf list`: uprobes at the sites' offsets in the target. */
function assertOnPerfEvents(link: UsdtLink, programId: number, target: string): void {
  const entries = perfEventsOf(programId);
  assert.deepEqual(entries.map((entry) => [entry.fd_type, entry.filename, entry.offset]).sort(), link.sites.map((site) => ['uprobe', target, site.fileOffset]).sort(),
    'bpftool perf list: the program on a uprobe at each site');
}

/** Every Link-ish thing a link-less UsdtLink must refuse, typed, naming the ioctl. */
function assertRefusals(link: UsdtLink, object: BpfObject): void {
  const refusals: [string, () => unknown][] = [
    ['id', () => link.id], ['info', () => link.info()], ['pin', () => link.pin()], ['update', () => link.update(object.programs.on_twice!)],
  ];
  for (const [what, refused] of refusals) {
    assert.throws(refused, (error: unknown) => error instanceof NotSupportedError && /PERF_EVENT_IOC_SET_BPF/.test(error.message), `${what} is refused`);
  }
}

for (const mode of ['pmu', 'legacy'] as const) {
  test(`${mode}: tsbpf:args without links or cookies: right arguments, no BPF link, the program on the uprobe; close leaves nothing`, { skip: skipMode(mode) }, async () => {
    if (typeof fixtures === 'string') return;
    const before = kernelSnapshot();
    const fds = openFds();
    {
      using target = await startUsdtTarget(fixtures.target);
      using object = await loadNoCookie();
      const program = object.programs.on_args!;
      // `using`: a failed assertion still detaches and removes the tracefs event
      using link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, cookie: 0xabcdefn, bpfCookies: false, perfEventLinks: false, mode });
      assert.equal(link.bpfLinks, false);
      assert.ok(link.links.length === 1 && link.links[0] instanceof PerfEventAttachment);
      assert.deepEqual(linksOf(program.id), [], 'bpftool link list: no link of ours');
      assertOnPerfEvents(link, program.id, fixtures.target);
      assert.deepEqual(ownProbeEvents('uprobe'), link.probeEvents.map((event) => `${event.group}/${event.name}`));
      assert.equal(link.probeEvents.length, mode === 'legacy' ? 1 : 0);
      assert.deepEqual(usdtAddressEntries(object).map(([address]) => address), link.addresses);
      for (const letter of ['a', 'q']) {
        await target.step(letter);
        assert.deepEqual([value(object, 'spec_misses'), value(object, 'arg_count'), value(object, 'cookie')], [0n, 10n, 0xabcdefn], `'${letter}': the spec found by address`);
        assert.deepEqual(signed(value(object, 'first_args')), [-3n * BigInt(letter.charCodeAt(0)), -1234567890123n, 250n]);
      }
      assert.equal(value(object, 'args_hits'), 2n);
      assertRefusals(link, object);
      link.close();
      link.close(); // twice is harmless
      assert.deepEqual(perfEventsOf(program.id), [], 'the perf event is gone');
      assert.deepEqual(ownProbeEvents('uprobe'), [], 'no tracefs event left');
      assert.deepEqual(usdtAddressEntries(object), [], 'the address map is empty after close');
      await target.step();
      assert.equal(value(object, 'args_hits'), 2n, 'none after close');
      await target.stop();
    }
    assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(objectPath))), []);
    assert.equal(openFds(), fds, 'no fd left open');
  });

  test(`${mode}: tsbpf:twice without links: both sites on their perf events, each its own spec`, { skip: skipMode(mode) }, async () => {
    if (typeof fixtures === 'string') return;
    using target = await startUsdtTarget(fixtures.target);
    using object = await loadNoCookie();
    const program = object.programs.on_twice!;
    {
      using link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false, perfEventLinks: false, mode });
      assert.equal(link.sites.length, 2);
      assert.ok(link.links.every((site) => site instanceof PerfEventAttachment));
      assert.equal(link.probeEvents.length, mode === 'legacy' ? 2 : 0);
      assert.deepEqual(linksOf(program.id), []);
      assertOnPerfEvents(link, program.id, fixtures.target);
      const entries = usdtAddressEntries(object);
      assert.equal(entries.length, 2);
      assert.notEqual(entries[0]![1], entries[1]![1], 'different arguments, different specs');
      await target.step();
      await target.step();
      assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum'), value(object, 'spec_misses')], [4n, 6n, 0n]);
    }
    assert.deepEqual([perfEventsOf(program.id), ownProbeEvents('uprobe'), usdtAddressEntries(object)], [[], [], []]);
    await target.step();
    assert.equal(value(object, 'twice_hits'), 4n, 'none after close');
    await target.stop();
  });

  test(`${mode}: tsbpf:sem without links: the semaphore is 1 while attached, 0 after close; detach() closes it all`, { skip: skipMode(mode) }, async () => {
    if (typeof fixtures === 'string') return;
    using target = await startUsdtTarget(fixtures.target);
    using object = await loadNoCookie();
    const program = object.programs.on_args!;
    const options: UsdtOptions = { binary: fixtures.target, provider: 'tsbpf', name: 'sem', pid: target.pid, bpfCookies: false, perfEventLinks: false, mode };
    assert.equal(await target.step(), 0, 'no tracer: the semaphore is 0');
    {
      using link = attachUsdt(program, options);
      assert.notEqual(link.sites[0]!.semaphoreOffset, 0);
      assert.equal(await target.step(), 1, 'the kernel counts the uprobe in the semaphore');
      // tsbpf:sem passes the semaphore's value as its one argument
      assert.deepEqual([value(object, 'args_hits'), value(object, 'arg_count'), value(object, 'spec_misses'), signed(value(object, 'first_args'))[0]], [1n, 1n, 0n, 1n]);
    }
    assert.equal(await target.step(), 0, 'cleared after close');
    assert.equal(value(object, 'args_hits'), 1n);
    // without a link only freeing the perf event takes the program off: detach() is close()
    using link = attachUsdt(program, options);
    assert.equal(await target.step(), 1);
    link.detach();
    assert.equal(link.closed, true);
    assert.deepEqual([perfEventsOf(program.id), ownProbeEvents('uprobe'), usdtAddressEntries(object)], [[], [], []], 'detach() freed everything');
    assert.equal(await target.step(), 0, 'cleared after detach');
    assert.equal(value(object, 'args_hits'), 2n);
    link.close(); // harmless after detach
    await target.stop();
  });

  test(`${mode}: a failure after one site is on its perf event undoes everything`, { skip: skipMode(mode) }, async () => {
    if (typeof fixtures === 'string') return;
    const before = kernelSnapshot();
    const fds = openFds();
    {
      using target = await startUsdtTarget(fixtures.target);
      using object = await loadNoCookie();
      const program = object.programs.on_twice!;
      const options: UsdtOptions = { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false, perfEventLinks: false, mode };
      using first = attachUsdt(program, options);
      const addresses = first.addresses!;
      const fresh = usdtAddressEntries(object).map(([, id]) => id).sort();
      first.close();
      // another attachment's entry for the second site: the first site attaches, the second is refused
      const release = occupyUsdtAddress(object, addresses[1]!);
      assert.throws(() => attachUsdt(program, options), (error: unknown) => error instanceof NotSupportedError && /already traced/.test(error.message));
      assert.deepEqual([perfEventsOf(program.id), ownProbeEvents('uprobe')], [[], []], 'no perf event or tracefs event left');
      assert.deepEqual(usdtAddressEntries(object), [[addresses[1]!, 9]], 'only the other attachment\'s entry stays');
      release();
      {
        using again = attachUsdt(program, options);
        assert.deepEqual(usdtAddressEntries(object).map(([, id]) => id).sort(), fresh, 'the failed attempt gave its spec ids back');
        await target.step();
        assert.deepEqual([value(object, 'twice_hits'), value(object, 'spec_misses')], [2n, 0n], 'attaches fine afterwards');
        void again;
      }
      await target.stop();
    }
    assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(objectPath))), []);
    assert.equal(openFds(), fds, 'no fd left open');
  });
}

test('perfEventLinks: false with BPF cookies is refused, typed, before anything is attached', { skip: skipMode('pmu') }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadNoCookie();
  const program = object.programs.on_args!;
  const options: UsdtOptions = { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, perfEventLinks: false };
  assert.throws(() => attachUsdt(program, { ...options, bpfCookies: true }), (error: unknown) => error instanceof InvalidArgumentError && /bpfCookies: false/.test(error.hint));
  // this kernel has cookies, so leaving bpfCookies out means true
  assert.throws(() => attachUsdt(program, options), (error: unknown) => error instanceof InvalidArgumentError && /defaults to true/.test(error.message));
  assert.deepEqual([perfEventsOf(program.id), linksOf(program.id), ownProbeEvents('uprobe'), usdtAddressEntries(object)], [[], [], [], []]);
  // the default (links) on this kernel: a BPF link per site, which id/info answer
  using link = attachUsdt(program, { ...options, bpfCookies: false, perfEventLinks: true });
  assert.equal(link.bpfLinks, true);
  assert.equal(link.info().id, link.id);
  assert.deepEqual(linksOf(program.id).map((l) => l.prog_id), [program.id]);
  await target.stop();
});
