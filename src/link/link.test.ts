/**
 * Every hook the link layer attaches on this kernel: attach, make the event happen, see the program's
 * effect (its .bss counters), detach, see it stop. Events come from this process (getppid through
 * `process.ppid`), from a veth pair into a network namespace of the test's own, and from a child in a
 * cgroup of the test's own.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { openObject, loadObject, type BpfObject } from '../loader/index.js';
import { AttachType } from '../programs/attach-types.js';
import { cgroup2Root } from '../inspect/cgroups.js';
import { ProgramType } from '../programs/program-types.js';
import { ensureBpffs } from '../sys/bpffs.js';
import { corpus } from '../test-support/corpus.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { NotSupportedError } from '../errors.js';
import { attachKprobeMulti, attachUprobeMulti, attachSocketFilter, attachNetfilter, attachNetns, attachToMap, attachCgroup, attachIterator, attachKprobe, attachRawTracepoint, attachSampling, attachTcx, attachTracepoint, attachTracing, attachUprobe, attachXdp, Link, probePmu } from './index.js';
import { counter, getppid, loadForThisProcess } from './traced-object.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = typeof built === 'string' ? '' : built.path('loader/link_hooks.bpf.o');

const loadHooks = (): Promise<BpfObject> => loadForThisProcess(path);

test('tracepoint, raw tracepoint, tp_btf: attached they count this process\'s getppid calls, closed they stop', { skip }, async () => {
  const before = kernelSnapshot();
  {
    using object = await loadHooks();
    const cases: [string, () => Link][] = [
      ['tp_hits', () => attachTracepoint(object.programs.on_getppid!, 'syscalls', 'sys_enter_getppid', { cookie: 0x1234n })],
      ['raw_hits', () => attachRawTracepoint(object.programs.on_raw_sys_enter!, 'sys_enter')],
      ['btf_hits', () => attachTracing(object.programs.on_btf_sys_enter!)],
    ];
    for (const [name, attach] of cases) {
      getppid(3);
      assert.equal(counter(object, name), 0n, `${name}: nothing before attaching`);
      const link = attach();
      getppid(5);
      assert.equal(counter(object, name), 5n, `${name}: five calls seen`);
      assert.ok(link.id > 0);
      link.close();
      getppid(5);
      assert.equal(counter(object, name), 5n, `${name}: none after close`);
    }
    assert.equal(counter(object, 'tp_cookie'), 0x1234n, 'bpf_get_attach_cookie returns the tracepoint link\'s cookie');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

test('a pinned link outlives its fd and ends when the pin and the last fd go', { skip }, async () => {
  ensureBpffs();
  using object = await loadHooks();
  const pin = `/sys/fs/bpf/tsbpf_link_test_${process.pid}`;
  const link = attachTracepoint(object.programs.on_getppid!, 'syscalls', 'sys_enter_getppid');
  try {
    link.pin(pin);
    link.close();
    getppid(2);
    assert.equal(counter(object, 'tp_hits'), 2n, 'still attached through the pin');
    const reopened = Link.fromPinned(pin);
    assert.equal(bpftoolJson<{ prog_id: number }>('link', 'show', 'pinned', pin).prog_id, object.programs.on_getppid!.id);
    reopened.unpin(pin);
    reopened.close();
    getppid(2);
    assert.equal(counter(object, 'tp_hits'), 2n, 'gone with its pin and its last fd');
  } finally {
    link.close();
    rmSync(pin, { force: true });
  }
});

test('an iterator link runs its program once per read', { skip }, async () => {
  using object = await loadHooks();
  using link = attachIterator(object.programs.list_target_tasks!);
  const first = link.readText();
  assert.match(first, new RegExp(`^${process.pid} node\\n$`, 'm'), first);
  assert.equal(link.readText(), first, 'each read runs it again');
});

test('attachAll attaches what the SEC names say and leaves xdp/tc/cgroup to the caller', { skip }, async () => {
  using object = await loadHooks();
  const links = object.attachAll();
  assert.deepEqual([...links.keys()].sort(), ['list_target_tasks', 'on_auto_uprobe', 'on_btf_sys_enter', 'on_getppid', 'on_raw_sys_enter']);
  getppid(4);
  assert.deepEqual(['tp_hits', 'raw_hits', 'btf_hits', 'auto_uprobe_hits'].map((name) => counter(object, name)), [4n, 4n, 4n, 4n]);
});

/** A veth pair: tsbpfA here, tsbpfB in namespace tsbpf_link_ns, 10.231.0.1/24 and 10.231.0.2/24. */
function withVeth<T>(run: () => T): T {
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ns = 'tsbpf_link_ns';
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', 'tsbpfA', 'type', 'veth', 'peer', 'name', 'tsbpfB', 'netns', ns);
    ip('addr', 'add', '10.231.0.1/24', 'dev', 'tsbpfA');
    ip('link', 'set', 'tsbpfA', 'up');
    ip('-n', ns, 'addr', 'add', '10.231.0.2/24', 'dev', 'tsbpfB');
    ip('-n', ns, 'link', 'set', 'tsbpfB', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return run();
  } finally {
    spawnSync('ip', ['link', 'del', 'tsbpfA'], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}

/** UDP datagrams from inside the namespace to the host side of the veth (they arrive on tsbpfA). */
function sendFromNamespace(count: number): void {
  const script = `const s=require('dgram').createSocket('udp4');let n=${count};const go=()=>{if(n--===0){s.close();return;}s.send('x',9,'10.231.0.1',go)};go();`;
  execFileSync('ip', ['netns', 'exec', 'tsbpf_link_ns', process.execPath, '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
}

test('xdp and tcx on a veth: packets from the namespace are counted while attached', { skip }, async (t) => {
  using object = await loadHooks();
  withVeth(() => {
    sendFromNamespace(2); // ARP settles first
    const xdp = attachXdp(object.programs.count_xdp!, 'tsbpfA');
    let tcx: Link | undefined;
    try {
      tcx = attachTcx(object.programs.count_tc!, 'tsbpfA', 'ingress');
    } catch (error) {
      if (!(error instanceof NotSupportedError)) throw error;
      t.diagnostic(`tcx not checked: ${error.message}`);
    }
    try {
      sendFromNamespace(5);
      assert.ok(counter(object, 'xdp_hits') >= 5n, `xdp saw ${counter(object, 'xdp_hits')}`);
      if (tcx) assert.ok(counter(object, 'tc_hits') >= 5n, `tcx saw ${counter(object, 'tc_hits')}`);
      xdp.update(object.programs.count_xdp!, object.programs.count_xdp!);
      xdp.detach();
      const detached = counter(object, 'xdp_hits');
      sendFromNamespace(2);
      assert.equal(counter(object, 'xdp_hits'), detached, 'detach() stops it while the fd is open');
    } finally {
      xdp.close();
      tcx?.close();
    }
    const seen = counter(object, 'xdp_hits');
    sendFromNamespace(3);
    assert.equal(counter(object, 'xdp_hits'), seen, 'nothing after close');
  });
});

test('a cgroup egress link counts a child process\'s packets in a cgroup of the test\'s own', { skip }, async (t) => {
  const root = cgroup2Root();
  if (!root || !existsSync(`${root}/cgroup.procs`)) {
    t.skip('no cgroup v2 hierarchy is mounted');
    return;
  }
  const cgroup = `${root}/tsbpf_link_test_${process.pid}`;
  mkdirSync(cgroup);
  try {
    using object = await loadHooks();
    using link = attachCgroup(object.programs.count_egress!, cgroup, AttachType.CgroupInetEgress);
    const send = `const s=require('dgram').createSocket('udp4');s.send('x',9,'127.0.0.1',()=>s.close());`;
    const child = spawnSync('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec ${process.execPath} -e "${send}"`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.ok(counter(object, 'egress_hits') >= 1n, 'the child\'s datagram went through the program');
    void link;
  } finally {
    rmdirSync(cgroup);
  }
});

test('uprobe and uretprobe on libc\'s getppid, by library name, for this process', { skip: skip || (typeof probePmu('uprobe') === 'string' ? String(probePmu('uprobe')) : false) }, async () => {
  using object = await loadHooks();
  {
    using entry = attachUprobe(object.programs.on_uprobe!, 'libc.so.6', 'getppid', { pid: process.pid });
    using exit = attachUprobe(object.programs.on_uretprobe!, 'libc.so.6', 'getppid', { returnProbe: true });
    getppid(3);
    assert.ok(entry.id > 0 && exit.id > 0);
  }
  assert.equal(counter(object, 'uprobe_hits'), 3n);
  assert.equal(counter(object, 'uretprobe_hits'), 3n);
  assert.equal(counter(object, 'uretprobe_value'), BigInt(process.ppid), 'the return value is getppid\'s');
  getppid(2);
  assert.equal(counter(object, 'uprobe_hits'), 3n, 'nothing after close');
});

test('kprobe: attached where the kernel has kprobes, else a NotSupportedError with the probed reason', { skip }, async () => {
  using object = await loadHooks();
  const pmu = probePmu('kprobe');
  if (typeof pmu === 'string') {
    assert.throws(() => attachKprobe(object.programs.on_kprobe!, '__x64_sys_getppid'), (error: unknown) => error instanceof NotSupportedError && error.message.includes(pmu));
    return;
  }
  using link = attachKprobe(object.programs.on_kprobe!, '__x64_sys_getppid');
  getppid(4);
  assert.equal(counter(object, 'kprobe_hits'), 4n);
  void link;
});

test('perf_event sampling of this process counts samples while it burns CPU', { skip }, async () => {
  using object = await loadHooks();
  const links = attachSampling(object.programs.on_sample!, { pid: process.pid, frequency: 999 });
  try {
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    assert.ok(spin > 0);
    assert.ok(counter(object, 'samples') > 10n, `samples: ${counter(object, 'samples')}`);
  } finally {
    for (const link of links) link.close();
  }
});

test('sk_msg on a sockmap: a TCP socket in the map has its sends counted until detached', { skip }, async () => {
  using object = await loadHooks();
  const server = createServer((socket) => socket.on('data', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  try {
    const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
    const key = new Uint8Array(4);
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, BigInt(fd), true);
    // a socket takes the map's programs when it is added, so attach first
    const attachment = attachToMap(object.programs.count_messages!, object.maps.sockets!, AttachType.SkMsgVerdict);
    object.maps.sockets!.update(key, value);
    const write = (text: string) => new Promise<void>((resolve) => client.write(text, () => resolve()));
    await write('hello');
    await write('world!');
    assert.equal(counter(object, 'msg_hits'), 2n);
    assert.equal(counter(object, 'msg_bytes'), 11n);
    attachment.close();
    assert.equal(attachment.attached, false);
    object.maps.sockets!.delete(key);
    await write('more');
    assert.equal(counter(object, 'msg_hits'), 2n, 'detached');
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('sk_lookup on this network namespace sees the lookups for datagrams to port 9', { skip }, async () => {
  using object = await loadHooks();
  const send = () => execFileSync(process.execPath, ['-e', `const s=require('dgram').createSocket('udp4');s.send('x',9,'127.0.0.1',()=>s.close());`]);
  {
    using link = attachNetns(object.programs.count_lookups!, AttachType.SkLookup);
    send();
    assert.ok(counter(object, 'lookups') >= 1n, `lookups: ${counter(object, 'lookups')}`);
    void link;
  }
  const seen = counter(object, 'lookups');
  send();
  assert.equal(counter(object, 'lookups'), seen, 'nothing after close');
});

test('netfilter: a LOCAL_OUT hook counts this machine\'s outgoing IPv4 packets while linked', { skip }, async (t) => {
  if (typeof built === 'string') return;
  const { haveProgramType } = await import('../features/program-types.js');
  const probe = haveProgramType(ProgramType.Netfilter);
  if (!probe.supported) {
    t.skip(probe.reason);
    return;
  }
  using object = await loadObject(built.path('loader/link_netfilter.bpf.o'));
  const send = () => execFileSync(process.execPath, ['-e', `const s=require('dgram').createSocket('udp4');s.send('x',9,'127.0.0.1',()=>s.close());`]);
  {
    // NFPROTO_IPV4 2, NF_INET_LOCAL_OUT 3
    using link = attachNetfilter(object.programs.count_local_out!, { protocolFamily: 2, hook: 3, priority: -128 });
    send();
    assert.ok(counter(object, 'packets') >= 1n);
    void link;
  }
  const seen = counter(object, 'packets');
  send();
  // other traffic on the machine may not count once the link is gone
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(counter(object, 'packets'), seen, 'nothing after close');
});

test('a socket filter on a Node UDP socket sees its datagrams until detached', { skip }, async () => {
  using object = await loadHooks();
  const receiver = createSocket('udp4');
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const port = receiver.address().port;
  let received = 0;
  receiver.on('message', () => { received++; });
  const fd = (receiver as unknown as { _handle: { fd: number } })._handle.fd;
  const send = async (count: number) => {
    const sender = createSocket('udp4');
    for (let i = 0; i < count; i++) await new Promise<void>((resolve) => sender.send('x', port, '127.0.0.1', () => resolve()));
    sender.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  };
  try {
    const attachment = attachSocketFilter(object.programs.count_datagrams!, fd);
    await send(3);
    assert.equal(counter(object, 'filtered'), 3n);
    assert.equal(received, 3, 'the filter kept them (it returns the length)');
    attachment.close();
    await send(2);
    assert.equal(counter(object, 'filtered'), 3n, 'detached');
    assert.equal(received, 5);
  } finally {
    receiver.close();
  }
});

test('uprobe.multi: one link on libc\'s getppid and getuid, each call carrying its function\'s cookie', { skip }, async (t) => {
  if (typeof built === 'string') return;
  const spec = await openObject(built.path('loader/link_multi.bpf.o'));
  spec.variables.target_tgid!.set(process.pid);
  using object = await loadObject(spec);
  let link: Link;
  try {
    link = attachUprobeMulti(object.programs.on_uprobe_multi!, 'libc.so.6', { functions: ['getppid', 'getuid'], cookies: [1n, 100n], pid: process.pid });
  } catch (error) {
    if (!(error instanceof NotSupportedError)) throw error;
    t.skip(error.message);
    return;
  }
  {
    using _ = link;
    getppid(2);
    void process.getuid!();
  }
  assert.ok(counter(object, 'uprobe_multi_hits') >= 3n, `hits ${counter(object, 'uprobe_multi_hits')}`);
  assert.equal(counter(object, 'uprobe_multi_cookie_sum') % 100n, 2n, 'getppid twice (cookie 1)');
});

test('kprobe.multi: attached where the kernel has kprobes, else refused with the probed reason', { skip }, async (t) => {
  if (typeof built === 'string') return;
  const pmu = probePmu('kprobe');
  const spec = await openObject(built.path('loader/link_multi.bpf.o'));
  spec.variables.target_tgid!.set(process.pid);
  using object = await loadObject(spec);
  if (typeof pmu === 'string') {
    assert.throws(() => attachKprobeMulti(object.programs.on_kprobe_multi!, { functions: ['__x64_sys_getppid'] }));
    t.skip(`refused as expected: ${pmu}`);
    return;
  }
  let link: Link;
  try {
    link = attachKprobeMulti(object.programs.on_kprobe_multi!, { functions: ['__x64_sys_getppid'] });
  } catch (error) {
    if (!(error instanceof NotSupportedError)) throw error;
    t.skip(error.message);
    return;
  }
  using _ = link;
  getppid(3);
  assert.equal(counter(object, 'kprobe_multi_hits'), 3n);
});

test('fentry, fexit (vfs_open) and lsm (file_open) through attachAll (BPF trampolines; refused here with the probed reason)', { skip }, async (t) => {
  if (typeof built === 'string') return;
  const { haveAttachType } = await import('../features/attach-types.js');
  const probe = haveAttachType(ProgramType.Tracing, AttachType.TraceFentry);
  const spec = await openObject(built.path('loader/link_tracing.bpf.o'));
  spec.variables.target_tgid!.set(process.pid);
  if (!probe.supported) {
    await assert.rejects(loadObject(spec), (error: unknown) => error instanceof NotSupportedError);
    t.skip(probe.reason);
    return;
  }
  using object = await loadObject(spec);
  object.attachAll();
  for (let i = 0; i < 3; i++) readFileSync('/proc/self/status');
  assert.ok(counter(object, 'fentry_hits') >= 3n, `fentry ${counter(object, 'fentry_hits')}`);
  assert.ok(counter(object, 'fexit_hits') >= 3n);
  assert.equal(counter(object, 'fexit_ret'), 0n, 'vfs_open returned 0');
  const lsm = haveAttachType(ProgramType.Lsm, AttachType.LsmMac);
  if (lsm.supported) assert.ok(counter(object, 'lsm_opens') >= 1n);
});
