/**
 * USDT through tracefs uprobe_events (`mode: 'legacy'`, what 'auto' picks on kernels without the
 * uprobe PMU), forced on this kernel, which has both: corpus/usdt-target's probes traced by
 * usdt_args (spec ids as BPF cookies) and usdt_nocookie (spec ids by address). The PMU path is the
 * oracle: both ways attached at once see the same hits with the same arguments, and a semaphore is
 * counted the same. Every tracefs event a link makes is listed in uprobe_events while attached
 * (with the site's offset and semaphore) and gone after close or after a failed attach.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError, SystemError } from '../errors.js';
import { loadObject, openObject, type BpfObject } from '../loader/index.js';
import { abi } from '../sys/index.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { chooseProbePmu, ownProbeEvents, probeEventsFile } from './kprobe-legacy.js';
import { probePmu } from './probe-pmu.js';
import { attachUsdt, type UsdtLink } from './usdt.js';
import { occupyUsdtAddress, startUsdtTarget, usdtAddressEntries, usdtFixtures, usdtLoadSkipReason } from './usdt-test-fixtures.js';

const fixtures = usdtFixtures();
const uprobeEvents = probeEventsFile('uprobe');
const pmu = probePmu('uprobe');

async function skipReason(): Promise<string | false> {
  if (typeof fixtures === 'string') return fixtures;
  if (typeof uprobeEvents !== 'string') return uprobeEvents.missing;
  return usdtLoadSkipReason(fixtures.object);
}
const skip = await skipReason();
/** The tests that compare with the PMU path also need the PMU. */
const skipWithPmu = skip || (typeof pmu === 'string' ? pmu : false);
const skipNoCookie = skip || (typeof fixtures !== 'string' && typeof fixtures.noCookieObject !== 'string' ? fixtures.noCookieObject.missing : false);

const value = (object: BpfObject, name: string) => object.variables[name]!.get();
const signed = (values: unknown) => (values as bigint[]).map((v) => BigInt.asIntN(64, v));
const openFds = () => readdirSync('/proc/self/fd').length;
const linksOf = (programId: number) => bpftoolJson<{ prog_id: number; type: string }[]>('link', 'list').filter((link) => link.prog_id === programId);
/** What tsbpf:args receives from a line starting with `letter` (corpus/usdt-target.c). */
const expectedArgs = (letter: string) => [-3n * BigInt(letter.charCodeAt(0)), -1234567890123n, 250n, -300n, BigInt.asIntN(64, 0xfedcba9876543210n), 4000000000n, -77n, -5n, 200n, 0x123456789abcn, 0n, 0n];

/** The link's events as uprobe_events names them (GROUP/NAME). */
const eventNames = (link: UsdtLink) => link.probeEvents.map((event) => `${event.group}/${event.name}`);

/** The kernel's definition of one of our events, read back from uprobe_events: `p:GROUP/NAME PATH:0xOFFSET(0xREF)`. */
function eventDefinition(name: string): { path: string; offset: number; refCounter: number | undefined } {
  const line = readFileSync(uprobeEvents as string, 'utf8').split('\n').find((l) => l.startsWith(`p:${name} `));
  assert.ok(line, `${name} is in uprobe_events`);
  const match = /^p:\S+ (\S+):0x([0-9a-f]+)(?:\(0x([0-9a-f]+)\))?$/.exec(line);
  assert.ok(match, line);
  return { path: match[1]!, offset: parseInt(match[2]!, 16), refCounter: match[3] === undefined ? undefined : parseInt(match[3], 16) };
}

/** The numbers probeEventName appended to the link's event names (one per event this process made, in order). */
const eventNumbers = (link: UsdtLink) => link.probeEvents.map((event) => Number(/_(\d+)$/.exec(event.name)![1]));

test('tsbpf:args through tracefs and the PMU at once: the same arguments and cookie on every hit; the events listed while attached, gone after close', { skip: skipWithPmu }, async () => {
  if (typeof fixtures === 'string') return;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startUsdtTarget(fixtures.target);
    using viaPmu = await loadObject(fixtures.object);
    using viaEvents = await loadObject(fixtures.object);
    const cookie = 0xfeedfacecafen;
    const options = { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, cookie };
    // `using`: a failed assertion still closes the links and removes their events
    using pmuLink = attachUsdt(viaPmu.programs.on_args!, { ...options, mode: 'pmu' });
    using legacyLink = attachUsdt(viaEvents.programs.on_args!, { ...options, mode: 'legacy' });
    assert.deepEqual(pmuLink.probeEvents, [], 'the PMU path makes no tracefs event');
    assert.equal(legacyLink.probeEvents.length, 1);
    assert.deepEqual(ownProbeEvents('uprobe'), eventNames(legacyLink), 'one event per site in uprobe_events');
    assert.match(legacyLink.probeEvents[0]!.name, /^tsbpf_\d+_usdt_target_tsbpf_args_0x[0-9a-f]+_\d+$/);
    const site = legacyLink.sites[0]!;
    assert.equal(site.semaphoreOffset, 0);
    assert.deepEqual(eventDefinition(eventNames(legacyLink)[0]!), { path: fixtures.target, offset: site.fileOffset, refCounter: undefined }, 'at the site\'s file offset, no reference counter');
    // the same kind of link either way
    for (const [link, object] of [[pmuLink, viaPmu], [legacyLink, viaEvents]] as const) {
      assert.equal(link.info().type, abi.LinkTypeId.PERF_EVENT);
      assert.deepEqual(linksOf(object.programs.on_args!.id).map((l) => l.type), ['perf_event']);
      assert.throws(() => link.pin(), NotSupportedError);
    }
    for (const letter of ['a', 'b', 'z']) {
      await target.step(letter);
      const ours = signed(value(viaEvents, 'args'));
      assert.deepEqual(ours, signed(value(viaPmu, 'args')), `hit '${letter}': the same arguments as the PMU path's`);
      assert.deepEqual(ours, expectedArgs(letter));
      assert.deepEqual([value(viaEvents, 'arg_count'), value(viaEvents, 'arg_errors'), value(viaEvents, 'cookie')], [10n, 0n, cookie]);
      assert.deepEqual([value(viaPmu, 'arg_count'), value(viaPmu, 'arg_errors'), value(viaPmu, 'cookie')], [10n, 0n, cookie]);
    }
    assert.deepEqual([value(viaEvents, 'args_hits'), value(viaPmu, 'args_hits')], [3n, 3n]);
    legacyLink.close();
    legacyLink.close(); // twice is harmless
    assert.deepEqual(ownProbeEvents('uprobe'), [], 'the event is removed on close');
    assert.deepEqual(linksOf(viaEvents.programs.on_args!.id), [], 'no link left');
    await target.step();
    assert.deepEqual([value(viaEvents, 'args_hits'), value(viaPmu, 'args_hits')], [3n, 4n], 'none after close; the PMU link still counts');
    pmuLink.close();
    await target.stop();
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(fixtures.object))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('tsbpf:twice through tracefs for every process: one event per site, both sites, each its own spec', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadObject(fixtures.object);
  const program = object.programs.on_twice!;
  {
    using link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'twice', mode: 'legacy' });
    assert.equal(link.sites.length, 2);
    assert.deepEqual(ownProbeEvents('uprobe').sort(), eventNames(link).sort());
    assert.deepEqual(link.probeEvents.map((event) => eventDefinition(`${event.group}/${event.name}`).offset), link.sites.map((site) => site.fileOffset), 'each event at its site');
    assert.equal(linksOf(program.id).length, 2);
    await target.step();
    await target.step();
    assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum')], [4n, 6n], 'both sites, arguments 1 and 2, twice');
  }
  assert.deepEqual(ownProbeEvents('uprobe'), []);
  await target.step();
  assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum')], [4n, 6n], 'none after close');
  assert.deepEqual(linksOf(program.id), []);
  await target.stop(); // its pipes closed before the next test counts fds
});

test('tsbpf:sem through tracefs: the event carries the semaphore as its reference counter; 1 while attached, 0 after close, as through the PMU', { skip: skipWithPmu }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadObject(fixtures.object);
  const program = object.programs.on_sem!;
  assert.equal(await target.step(), 0, 'no tracer: the semaphore is 0');
  let hits = 0n;
  for (const [mode, pid] of [['pmu', undefined], ['legacy', undefined], ['legacy', target.pid]] as const) {
    const what = `${mode}${pid ? ' (this process)' : ''}`;
    {
      using link = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'sem', mode, ...(pid ? { pid } : {}) });
      const site = link.sites[0]!;
      assert.notEqual(site.semaphoreOffset, 0);
      if (mode === 'legacy') {
        assert.deepEqual(eventDefinition(eventNames(link)[0]!), { path: fixtures.target, offset: site.fileOffset, refCounter: site.semaphoreOffset }, 'PATH:0xOFFSET(0xSEMAPHORE)');
      }
      assert.equal(await target.step(), 1, `${what}: the kernel counts the uprobe in the semaphore`);
      hits++;
      assert.deepEqual([value(object, 'sem_hits'), value(object, 'sem_seen')], [hits, 1n]);
    }
    assert.deepEqual(ownProbeEvents('uprobe'), []);
    assert.equal(await target.step(), 0, `${what}: cleared after close`);
    assert.equal(value(object, 'sem_hits'), hits, `${what}: none after close`);
  }
  await target.stop();
});

test('bpfCookies: false through tracefs: spec ids found by address, arguments right, the address map emptied on close', { skip: skipNoCookie }, async () => {
  if (typeof fixtures === 'string' || typeof fixtures.noCookieObject !== 'string') return;
  const objectPath = fixtures.noCookieObject;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startUsdtTarget(fixtures.target);
    using object = await loadObject(objectPath, { kconfig: { CONFIG_TSBPF_TEST_BPF_COOKIE: 'n' } });
    {
      using link = attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, cookie: 0xabcdefn, bpfCookies: false, mode: 'legacy' });
      assert.equal(link.probeEvents.length, 1);
      assert.deepEqual(usdtAddressEntries(object).map(([address]) => address), link.addresses);
      await target.step('c');
      assert.deepEqual([value(object, 'args_hits'), value(object, 'spec_misses'), value(object, 'arg_count'), value(object, 'cookie')], [1n, 0n, 10n, 0xabcdefn], 'the program found its spec by address');
      assert.deepEqual(signed(value(object, 'first_args')), expectedArgs('c').slice(0, 3));
    }
    assert.deepEqual(usdtAddressEntries(object), [], 'the address map is empty after close');
    assert.deepEqual(ownProbeEvents('uprobe'), []);
    {
      using link = attachUsdt(object.programs.on_twice!, { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false, mode: 'legacy' });
      const entries = usdtAddressEntries(object);
      assert.equal(entries.length, 2);
      assert.equal(link.probeEvents.length, 2);
      assert.notEqual(entries[0]![1], entries[1]![1], 'different arguments, different specs');
      await target.step();
      await target.step();
      assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum'), value(object, 'spec_misses')], [4n, 6n, 0n]);
    }
    assert.deepEqual(usdtAddressEntries(object), []);
    assert.deepEqual(ownProbeEvents('uprobe'), []);
    await target.stop();
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(objectPath))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('a failure after some sites are attached undoes them all: events removed, spec ids and address entries freed, as through the PMU', { skip: skipNoCookie }, async () => {
  if (typeof fixtures === 'string' || typeof fixtures.noCookieObject !== 'string') return;
  const objectPath = fixtures.noCookieObject;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startUsdtTarget(fixtures.target);
    for (const mode of ['pmu', 'legacy'] as const) {
      if (mode === 'pmu' && typeof pmu === 'string') continue;
      using object = await loadObject(objectPath, { kconfig: { CONFIG_TSBPF_TEST_BPF_COOKIE: 'n' } });
      const program = object.programs.on_twice!;
      const options = { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false, mode };
      // the addresses of the two sites, and the spec ids a fresh attachment gets
      const first = attachUsdt(program, options);
      const addresses = first.addresses!;
      const fresh = usdtAddressEntries(object).map(([, id]) => id).sort();
      const firstNumbers = eventNumbers(first);
      first.close();
      // another attachment's entry for the second site only: the first site attaches, the second is refused
      const release = occupyUsdtAddress(object, addresses[1]!);
      assert.throws(() => attachUsdt(program, options), (error: unknown) => error instanceof NotSupportedError && /already traced/.test(error.message));
      assert.deepEqual(ownProbeEvents('uprobe'), [], `${mode}: no event left`);
      assert.deepEqual(linksOf(program.id), [], `${mode}: no link left`);
      assert.deepEqual(usdtAddressEntries(object), [[addresses[1]!, 9]], `${mode}: only the other attachment's entry stays`);
      release();
      {
        using again = attachUsdt(program, options);
        assert.deepEqual(usdtAddressEntries(object).map(([, id]) => id).sort(), fresh, `${mode}: the failed attempt gave its spec ids back`);
        if (mode === 'legacy') {
          // the failed attempt made the first site's event (its name took the next number) before the second site failed
          assert.deepEqual(eventNumbers(again), [firstNumbers[1]! + 2, firstNumbers[1]! + 3]);
        }
        await target.step();
        assert.deepEqual([value(object, 'twice_hits'), value(object, 'spec_misses')], [2n, 0n], `${mode}: attaches fine afterwards`);
      }
      assert.deepEqual(ownProbeEvents('uprobe'), []);
    }
    await target.stop();
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(objectPath))), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('refusals through tracefs leave nothing: a probe the binary lacks, a process that is gone', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using object = await loadObject(fixtures.object);
  const program = object.programs.on_args!;
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'nope', mode: 'legacy' }),
    (error: unknown) => error instanceof NotSupportedError && /has no such probe/.test(error.message));
  // the event is made, then perf_event_open refuses the pid: the event must go
  const gone = spawnSync('true').pid!;
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: gone, mode: 'legacy' }),
    (error: unknown) => error instanceof SystemError && error.code === 'ESRCH');
  assert.deepEqual(ownProbeEvents('uprobe'), []);
  assert.deepEqual(linksOf(program.id), []);
});

test('the mode choice (chooseProbePmu): auto takes the PMU where there is one, legacy never does', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  assert.equal(chooseProbePmu('uprobe', 'legacy'), undefined);
  if (typeof pmu === 'string') {
    assert.equal(chooseProbePmu('uprobe', 'auto'), undefined, 'no PMU: tracefs');
    assert.throws(() => chooseProbePmu('uprobe', 'pmu'), NotSupportedError);
    return;
  }
  assert.deepEqual(chooseProbePmu('uprobe', 'auto'), pmu);
  using object = await loadObject(fixtures.object);
  using link = attachUsdt(object.programs.on_args!, { binary: fixtures.target, provider: 'tsbpf', name: 'args' });
  assert.deepEqual(link.probeEvents, [], 'auto: the PMU, no tracefs event');
  assert.deepEqual(ownProbeEvents('uprobe'), []);
});
