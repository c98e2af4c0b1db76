/** The library API against the real kernel. The fd test runs first, before anything is cached. */
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { openFdCount } from '../test-support/kernel.js';
import { haveAttachType, haveHelper, haveMapType, haveProgramType, probeKernel, requireMapType, requireProgramType } from './index.js';
import { probeCounters } from './probe-load.js';
import { ProgramType } from '../programs/program-types.js';
import { MapType } from '../maps/map-types.js';
import { AttachType } from '../programs/attach-types.js';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';

test('probeKernel leaves no fd open, and is fast', () => {
  const before = openFdCount();
  const probe = probeKernel();
  assert.equal(openFdCount(), before);
  console.log(`# probeKernel: ${probe.durationMs.toFixed(0)} ms, ${probeCounters.loads} loads, ${probeCounters.mapCreates} map creates`);
  // Under the qemu guests' TCG emulation (scripts/vm) every load is several times slower, and the
  // more the host is loaded the slower: 2.8 s on 6.1, 8.4 s on 6.12 with the host busy.
  const budgetMs = process.env.TSBPF_GUEST ? 30_000 : 5000;
  assert.ok(probe.durationMs < budgetMs, `${probe.durationMs} ms (budget ${budgetMs} ms)`);
});

test('program types', () => {
  assert.deepEqual(haveProgramType(ProgramType.Tracepoint), { supported: true, reason: '' });
  // this kernel refuses trampolines (lsm, fentry): a kernel that has them answers yes with no reason
  const lsm = haveProgramType(ProgramType.Lsm);
  if (!lsm.supported) assert.match(lsm.reason, /EPERM/);
  else assert.equal(lsm.reason, '');
  const tracing = haveProgramType(ProgramType.Tracing);
  assert.equal(tracing.supported, true);
  if (tracing.reason !== '') assert.match(tracing.reason, /tp_btf(,| and) iter/);
  assert.throws(() => requireProgramType(ProgramType.LircMode2), (e: unknown) => e instanceof NotSupportedError && /lirc_mode2/.test(e.message));
  requireProgramType(ProgramType.Xdp);
});

test('map types', () => {
  assert.deepEqual(haveMapType(MapType.Hash), { supported: true, reason: '' });
  for (const type of [MapType.LpmTrie, MapType.SkStorage, MapType.TaskStorage, MapType.RingBuf, MapType.ArrayOfMaps, MapType.StructOps]) {
    assert.equal(haveMapType(type).supported, true, `map type ${type}`);
  }
  // cgrp_storage came in 6.2: present here, refused with a reason before
  const cgrp = haveMapType(MapType.CgrpStorage);
  assert.ok(cgrp.supported || cgrp.reason.length > 0);
  requireMapType(MapType.Array);
  assert.throws(() => requireMapType(9999 as MapType), NotSupportedError);
});

test('helpers: by name with or without bpf_, or by id; refusals say why', () => {
  assert.deepEqual(haveHelper(ProgramType.Tracepoint, 'map_lookup_elem'), { supported: true, reason: '' });
  assert.equal(haveHelper(ProgramType.Tracepoint, 'bpf_map_lookup_elem').supported, true);
  assert.equal(haveHelper(ProgramType.Tracepoint, 1).supported, true);
  const refused = haveHelper(ProgramType.SocketFilter, 'xdp_adjust_head');
  assert.equal(refused.supported, false);
  assert.match(refused.reason, /socket_filter programs may not call bpf_xdp_adjust_head/);
  assert.equal(haveHelper(ProgramType.Tracing, 'get_current_task_btf').supported, true);
  // an lsm program type this kernel refuses has no helpers to offer
  if (!haveProgramType(ProgramType.Lsm).supported) assert.equal(haveHelper(ProgramType.Lsm, 'map_lookup_elem').supported, false);
  assert.throws(() => haveHelper(ProgramType.Xdp, 'no_such_helper'), InvalidArgumentError);
});

test('attach types: fentry refused with EPERM where trampolines are, tp_btf and iter load', () => {
  const fentry = haveAttachType(ProgramType.Tracing, AttachType.TraceFentry);
  if (!fentry.supported) assert.match(fentry.reason, /EPERM/);
  assert.equal(haveAttachType(ProgramType.Tracing, AttachType.TraceRawTp).supported, true);
  assert.equal(haveAttachType(ProgramType.Tracing, AttachType.TraceIter).supported, true);
  assert.equal(haveAttachType(ProgramType.CgroupSockAddr, AttachType.CgroupInet4Connect).supported, true);
  // recvmsg hooks must return 1: the probe retries with r0 = 1.
  assert.equal(haveAttachType(ProgramType.CgroupSockAddr, AttachType.CgroupUdp4Recvmsg).supported, true);
});

test('answers are cached: asking again does not reach the kernel', () => {
  const calls = { ...probeCounters };
  const started = performance.now();
  probeKernel();
  haveProgramType(ProgramType.Lsm);
  haveMapType(MapType.Hash);
  haveHelper(ProgramType.Tracepoint, 'map_lookup_elem');
  haveAttachType(ProgramType.Tracing, AttachType.TraceFentry);
  assert.deepEqual(probeCounters, calls);
  assert.ok(performance.now() - started < 50);
});

test('an unprivileged probe fails with one clear EPERM error', () => {
  const script = `import('${new URL('./index.js', import.meta.url).href}').then((f) => { try { f.probeKernel(); console.log('no error'); } catch (e) { console.log(e.constructor.name, e.code, e.message, '|', e.hint); } })`;
  const out = execFileSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all', process.execPath, '-e', script], { encoding: 'utf8' });
  assert.match(out, /^BpfError EPERM BPF_PROG_LOAD failed: EPERM .*\| run as root, or grant CAP_BPF/);
});
