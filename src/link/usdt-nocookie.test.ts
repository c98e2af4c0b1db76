/**
 * USDT without BPF cookies (kernels before 5.15), forced on a kernel that has them: the program
 * (corpus/loader/usdt_nocookie.bpf.c, libbpf's usdt.bpf.h) is loaded with its LINUX_HAS_BPF_COOKIE
 * false, so it finds each hit's spec id in __bpf_usdt_ip_to_spec_id by the probe's address, and
 * attachUsdt is told `bpfCookies: false`, so it writes those addresses instead of cookies. The target
 * (corpus/usdt-target) is a PIE executable: the addresses come from its /proc/PID/maps. A spec the
 * program cannot find shows in spec_misses; closing must empty the address map.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { loadObject, type BpfObject } from '../loader/index.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { probePmu } from './probe-pmu.js';
import { startUsdtTarget, usdtAddressEntries, usdtFixtures } from './usdt-test-fixtures.js';
import { attachUsdt } from './usdt.js';

const fixtures = usdtFixtures();
/** The no-cookie object's path; '' only where the tests skip. */
const objectPath = typeof fixtures === 'string' || typeof fixtures.noCookieObject !== 'string' ? '' : fixtures.noCookieObject;

function skipReason(): string | false {
  if (typeof fixtures === 'string') return fixtures;
  const pmu = probePmu('uprobe');
  if (typeof pmu === 'string') return pmu;
  if (typeof fixtures.noCookieObject !== 'string') return fixtures.noCookieObject.missing;
  return false;
}
const skip = skipReason();

function loadNoCookie(cookies: 'y' | 'n'): Promise<BpfObject> {
  return loadObject(objectPath, { kconfig: { CONFIG_TSBPF_TEST_BPF_COOKIE: cookies } });
}

const value = (object: BpfObject, name: string) => object.variables[name]!.get();
const openFds = () => readdirSync('/proc/self/fd').length;

test('tsbpf:args without cookies: the spec found by address, arguments and bpf_usdt_cookie() right, the map emptied on close', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  const before = kernelSnapshot();
  const fds = openFds();
  {
    using target = await startUsdtTarget(fixtures.target);
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
    assert.deepEqual(usdtAddressEntries(object).map(([a]) => a), [address]);
    await target.step('a');
    assert.equal(value(object, 'args_hits'), 1n);
    assert.equal(value(object, 'spec_misses'), 0n, 'the program found its spec by address');
    assert.equal(value(object, 'arg_count'), 10n);
    assert.equal(value(object, 'cookie'), 0xabcdefn);
    assert.deepEqual((value(object, 'first_args') as bigint[]).map((v) => BigInt.asIntN(64, v)), [-3n * 97n, -1234567890123n, 250n]);
    link.close();
    assert.deepEqual(usdtAddressEntries(object), [], 'the address map is empty after close');
    await target.step();
    assert.equal(value(object, 'args_hits'), 1n, 'none after close');
    await target.stop();
  }
  assert.deepEqual(await leftoverObjects(before, ['on_args', 'on_twice']), []);
  assert.equal(openFds(), fds, 'no fd left open');
});

test('tsbpf:twice without cookies: two sites, two addresses, each with its own spec', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadNoCookie('n');
  {
    using link = attachUsdt(object.programs.on_twice!, { binary: fixtures.target, provider: 'tsbpf', name: 'twice', pid: target.pid, bpfCookies: false });
    assert.equal(link.sites.length, 2);
    const entries = usdtAddressEntries(object);
    assert.equal(entries.length, 2);
    assert.notEqual(entries[0]![1], entries[1]![1], 'different arguments, different specs');
    await target.step();
    await target.step();
    assert.deepEqual([value(object, 'twice_hits'), value(object, 'twice_sum'), value(object, 'spec_misses')], [4n, 6n, 0n]);
  }
  assert.deepEqual(usdtAddressEntries(object), []);
});

test('without cookies: every process of a PIE binary is refused, a second attach of a site too; nothing left behind', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
  using object = await loadNoCookie('n');
  const program = object.programs.on_args!;
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', bpfCookies: false }),
    (error: unknown) => error instanceof NotSupportedError && /pid option/.test(error.hint));
  assert.deepEqual(usdtAddressEntries(object), []);
  using first = attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: false });
  assert.throws(() => attachUsdt(program, { binary: fixtures.target, provider: 'tsbpf', name: 'args', pid: target.pid, bpfCookies: false }),
    (error: unknown) => error instanceof NotSupportedError && /already traced/.test(error.message));
  assert.deepEqual(usdtAddressEntries(object).map(([a]) => a), first.addresses, 'the first attachment\'s entry stays');
  await target.step();
  assert.deepEqual([value(object, 'args_hits'), value(object, 'spec_misses')], [1n, 0n], 'the first attachment still works');
});

test('the control: a no-cookie program attached with cookies misses its specs; with LINUX_HAS_BPF_COOKIE true, cookies find them', { skip }, async () => {
  if (typeof fixtures === 'string') return;
  using target = await startUsdtTarget(fixtures.target);
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
    assert.deepEqual(usdtAddressEntries(object), []);
  }
});
