/**
 * Multi-probe sections with glob patterns, through attachAll: corpus/loader/link_multi_pattern.bpf.c
 * has kprobe.multi/kretprobe.multi patterns (kernel functions from available_filter_functions) and
 * uprobe.multi/uretprobe.multi PATH:PATTERN ones (libc's function symbols). The glob and the listing
 * parser are checked on their own (and the kernel pattern against a regular-expression scan of the
 * listing); the uprobe ones run where uprobe_multi links exist (6.6+: this
 * host, the 6.12 guest), the kprobe ones where kprobe_multi does (the 6.12 guest); elsewhere each
 * skips with the refusal the kernel gave.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { openObject, type BpfObject } from '../loader/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { ProbeTargetError } from './kprobe-legacy.js';
import { binaryFunctionsMatching, functionsMatching, globMatch, kernelFunctionsMatching } from './multi-probes.js';
import { probePmu } from './probe-pmu.js';
import { ensureTracefs } from '../sys/tracefs.js';
import { resolveBinaryPath } from './symbol-offset.js';
import { counter, getppid, loadForThisProcess } from './traced-object.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = typeof built === 'string' ? '' : built.path('loader/link_multi_pattern.bpf.o');

const loadPart = (programs: string[]): Promise<BpfObject> => loadForThisProcess(path, programs);

test('globMatch: * any run, ? one character, the rest literal, the whole name', () => {
  const cases: [string, string, boolean][] = [
    ['tcp_v4_connect', 'tcp_*', true], ['tcp_v4_connect', '*connect', true], ['tcp_v4_connect', 'tcp_v?_connect', true],
    ['tcp_v4_connect', 'tcp_v??_connect', false], ['tcp', 'tcp*', true], ['tcp', 'tcp?', false], ['udp_sendmsg', 'tcp_*', false],
    ['a.b', 'a?b', true], ['a.b', 'a.b', true], ['axb', 'a.b', false], ['', '*', true], ['', '', true], ['x', '', false],
    ['do_sys_openat2', '*open*2', true], ['aaa', 'a*a*a*a', false], ['abcabc', '*abc', true], ['ab', '*?*?*', true],
  ];
  for (const [text, pattern, expected] of cases) assert.equal(globMatch(text, pattern), expected, `${text} ~ ${pattern}`);
});

test('functionsMatching: names in listing order, each once, module tags and ftrace placeholders ignored', () => {
  const listing = [
    '__x64_sys_getpid', '__x64_sys_getppid', 'helper', 'helper', '__x64_sys_getpgid',
    '__ftrace_invalid_address___123', 'btrfs_getp1id [btrfs]', '__x64_sys_getppid', '',
  ].join('\n');
  assert.deepEqual(functionsMatching(listing, '__x64_sys_getp?id'), ['__x64_sys_getppid', '__x64_sys_getpgid']);
  assert.deepEqual(functionsMatching(listing, 'helper'), ['helper']);
  assert.deepEqual(functionsMatching(listing, '*getp1id'), ['btrfs_getp1id']);
  assert.deepEqual(functionsMatching(listing, '__ftrace*'), []);
});

test('binaryFunctionsMatching: libc\'s functions by pattern, one offset each; no match is a ProbeTargetError', () => {
  const libc = resolveBinaryPath('libc.so.6');
  const { names, offsets } = binaryFunctionsMatching(libc, 'getp?id');
  assert.deepEqual([...names].sort(), ['getpgid', 'getppid']);
  assert.equal(new Set(offsets).size, offsets.length);
  assert.throws(() => binaryFunctionsMatching(libc, 'tsbpf_no_such_*'),
    (error: unknown) => error instanceof ProbeTargetError && /matches no function/.test(error.message) && /readelf -Ws/.test(error.hint));
});

test('uprobe.multi/libc.so.6:getp?id and uretprobe.multi/libc.so.6:getppi* through attachAll', { skip }, async (t) => {
  const before = kernelSnapshot();
  {
    using object = await loadPart(['on_uprobe_pattern', 'on_uretprobe_pattern']);
    getppid(1);
    const parent = BigInt(process.ppid);
    let links;
    try {
      links = object.attachAll();
    } catch (error) {
      if (!(error instanceof NotSupportedError)) throw error;
      t.skip(error.message);
      return;
    }
    assert.deepEqual([...links.keys()].sort(), ['on_uprobe_pattern', 'on_uretprobe_pattern']);
    getppid(4);
    assert.equal(counter(object, 'uprobe_pattern_hits'), 4n, 'getppid four times (getpgid never)');
    assert.equal(counter(object, 'uretprobe_pattern_hits'), 4n);
    assert.equal(counter(object, 'uretprobe_pattern_value'), parent);
    for (const link of links.values()) link.close();
    getppid(2);
    assert.equal(counter(object, 'uprobe_pattern_hits'), 4n, 'none after close');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

test('kprobe.multi/__x64_sys_*kill and kretprobe.multi/__x64_sys_kil? through attachAll', { skip }, async (t) => {
  const pmu = probePmu('kprobe');
  if (typeof pmu === 'string') { t.skip(pmu); return; }
  // the oracle: the same names read from the listing with a regular expression
  const listing = readFileSync(`${ensureTracefs()}/available_filter_functions`, 'utf8');
  const expected = [...new Set(listing.split('\n').map((line) => line.split(/\s/, 1)[0]!).filter((name) => /^__x64_sys_.*kill$/.test(name)))].sort();
  assert.ok(['__x64_sys_kill', '__x64_sys_tgkill', '__x64_sys_tkill'].every((name) => expected.includes(name)), expected.join(' '));
  assert.deepEqual(kernelFunctionsMatching('__x64_sys_*kill').sort(), expected);
  assert.deepEqual(kernelFunctionsMatching('__x64_sys_kil?'), ['__x64_sys_kill']);
  assert.throws(() => kernelFunctionsMatching('tsbpf_no_such_function_*'), (error: unknown) => error instanceof ProbeTargetError && /available_filter_functions/.test(error.hint));
  const before = kernelSnapshot();
  {
    using object = await loadPart(['on_kprobe_pattern', 'on_kretprobe_pattern']);
    let links;
    try {
      links = object.attachAll();
    } catch (error) {
      if (!(error instanceof NotSupportedError)) throw error;
      t.skip(error.message);
      return;
    }
    assert.deepEqual([...links.keys()].sort(), ['on_kprobe_pattern', 'on_kretprobe_pattern']);
    signalSelf(3);
    assert.equal(counter(object, 'kprobe_pattern_hits'), 3n, 'kill(2) three times');
    assert.equal(counter(object, 'kretprobe_pattern_hits'), 3n);
    assert.equal(counter(object, 'kretprobe_pattern_value'), 0n, 'kill returned 0');
    for (const link of links.values()) link.close();
    signalSelf(2);
    assert.equal(counter(object, 'kprobe_pattern_hits'), 3n, 'none after close');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

/** kill(2) with signal 0 on this process, `count` times (Node makes one syscall per call). */
function signalSelf(count: number): void {
  for (let i = 0; i < count; i++) process.kill(process.pid, 0);
}
