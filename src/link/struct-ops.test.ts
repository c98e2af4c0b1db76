/**
 * struct_ops on the running kernel, with our own TCP congestion control (corpus/loader/struct_ops_cc*.bpf.c):
 * load, attach, see it in /proc/sys/net/ipv4/tcp_available_congestion_control, drive a TCP transfer
 * over loopback in a network namespace of the test's own with a python3 child that picks it with
 * setsockopt(TCP_CONGESTION) (node can't), see its counters rise, close, see it gone. The value tsbpf
 * registers is compared with the one libbpf registers (bpftool struct_ops register/dump). The
 * .struct_ops.link flavour attaches through a BPF link and swaps maps with BPF_LINK_UPDATE (6.4+).
 * Leftover checks wait up to 10 s: the kernel frees a struct_ops map after an RCU-tasks grace period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BpfError, Errno, InvalidArgumentError, NotSupportedError } from '../errors.js';
import { haveMapType } from '../features/map-types.js';
import { haveProgramType } from '../features/program-types.js';
import type { BpfObject } from '../loader/bpf-object.js';
import { loadObject, openObject } from '../loader/load-object.js';
import { StructOpsError } from '../loader/struct-ops-value.js';
import { MapType } from '../maps/map-types.js';
import { ProgramType } from '../programs/program-types.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { bpftoolJson, kernelSnapshot, leftoverObjects, objectNames, openFdCount } from '../test-support/kernel.js';
import { attachStructOps, StructOpsLink } from './struct-ops.js';

const built = corpus();
const objectPath = (name: string) => (built as Exclude<typeof built, string>).path(`loader/${name}.bpf.o`);
const AVAILABLE = '/proc/sys/net/ipv4/tcp_available_congestion_control';

/** Why struct_ops can't be tested here (false: it can), from the feature probes and one real registration. */
async function structOpsSupport(): Promise<string | false> {
  if (typeof built === 'string') return built;
  if (!existsSync(AVAILABLE)) return `${AVAILABLE} is missing: this kernel has no TCP congestion control to register`;
  const map = haveMapType(MapType.StructOps);
  if (!map.supported) return map.reason;
  const program = haveProgramType(ProgramType.StructOps);
  if (!program.supported) return program.reason;
  try {
    using object = await loadObject(objectPath('struct_ops_cc'));
    attachStructOps(object.maps.tsbpf_cc!).close();
    return false;
  } catch (error) {
    if (error instanceof StructOpsError || error instanceof NotSupportedError) return `struct_ops registration: ${error.message}`;
    if (error instanceof BpfError && ([Errno.EPERM, Errno.EOPNOTSUPP, Errno.ENOTSUPP] as number[]).includes(error.errno)) return `this kernel refuses struct_ops registration: ${error.message}`;
    throw error;
  }
}

const skip = await structOpsSupport();

function available(): string[] {
  return readFileSync(AVAILABLE, 'utf8').trim().split(/\s+/);
}

/**
 * A TCP transfer of `bytes` over loopback in a new network namespace (unshare -n), both ends set to
 * congestion control `cc`; returns the congestion control the client socket reports and the bytes the server got.
 */
const TRANSFER = `
import socket, sys, threading
cc, size = sys.argv[1].encode(), int(sys.argv[2])
TCP_CONGESTION = getattr(socket, 'TCP_CONGESTION', 13)
server = socket.socket()
server.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, cc)
server.bind(('127.0.0.1', 0))
server.listen(1)
received = []
def serve():
    conn, _ = server.accept()
    total = 0
    while True:
        data = conn.recv(1 << 16)
        if not data: break
        total += len(data)
    received.append(total)
    conn.close()
thread = threading.Thread(target=serve)
thread.start()
client = socket.socket()
client.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, cc)
client.connect(server.getsockname())
used = client.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b'\\0').decode()
chunk = b'x' * (1 << 16)
sent = 0
while sent < size:
    client.sendall(chunk)
    sent += len(chunk)
client.close()
thread.join()
print(used, received[0])
`;

function runTransfer(cc: string, bytes: number): SpawnSyncReturns<string> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  return spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${python} -c "$0" "$1" "$2"`, TRANSFER, cc, String(bytes)], { encoding: 'utf8', timeout: 120_000 });
}

function transfer(cc: string, bytes: number): { used: string; received: number } {
  const result = runTransfer(cc, bytes);
  assert.equal(result.status, 0, `the transfer failed: ${result.stderr}`);
  const [used, received] = result.stdout.trim().split(' ');
  return { used: used!, received: Number(received) };
}

function counter(object: BpfObject, name: string): bigint {
  return BigInt(object.variables[name]!.get() as bigint | number);
}

test('.struct_ops: attached, tsbpf_cc is a congestion control a TCP transfer uses (its counters rise); closed, it is gone', { skip }, async () => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  const spec = await openObject(objectPath('struct_ops_cc'));
  {
    using object = await loadObject(spec);
    assert.ok(!available().includes('tsbpf_cc'), 'loading alone registers nothing (libbpf registers at attach)');
    const link = attachStructOps(object.maps.tsbpf_cc!);
    assert.ok(link instanceof StructOpsLink && !link.isBpfLink);
    assert.ok(available().includes('tsbpf_cc'));

    const result = transfer('tsbpf_cc', 8 << 20);
    assert.deepEqual(result, { used: 'tsbpf_cc', received: 8 << 20 });
    assert.ok(counter(object, 'init_calls') >= 2n, 'init ran for both ends of the connection');
    assert.ok(counter(object, 'cong_avoid_calls') > 0n, 'cong_avoid ran on acks');
    assert.ok(counter(object, 'acked_segments') >= counter(object, 'cong_avoid_calls'));
    assert.throws(() => link.pin('/sys/fs/bpf/tsbpf_struct_ops'), NotSupportedError);

    link.close();
    assert.ok(!available().includes('tsbpf_cc'), 'close() unregisters');
    const calls = counter(object, 'init_calls');
    const refused = runTransfer('tsbpf_cc', 1 << 16);
    assert.notEqual(refused.status, 0, 'a socket can no longer pick it');
    assert.match(refused.stderr, /No such file or directory/);
    assert.equal(counter(object, 'init_calls'), calls);
    // a .struct_ops map registers once (the kernel keeps its state), and says so
    assert.throws(() => attachStructOps(object.maps.tsbpf_cc!), (error: unknown) => error instanceof BpfError && error.errno === Errno.EBUSY && /registers once/.test(error.hint));
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(spec), 10_000), []);
  assert.equal(openFdCount(), fds);
});

test('the value tsbpf registers is the one libbpf registers (bpftool struct_ops register and dump)', { skip: skip || (hasTool('bpftool') ? false : 'bpftool is not installed') }, async () => {
  const dump = () => {
    const [info, value] = bpftoolJson<[{ bpf_map_info: Record<string, unknown> }, { bpf_struct_ops_tcp_congestion_ops: { data: Record<string, unknown> } }]>('struct_ops', 'dump', 'name', 'tsbpf_cc');
    const { type, key_size, value_size, max_entries, map_flags, name, btf_vmlinux_value_type_id } = info.bpf_map_info;
    // program ids differ between the two registrations; the program names stay
    const data = JSON.parse(JSON.stringify(value.bpf_struct_ops_tcp_congestion_ops.data).replace(/\/prog_id:\d+/g, '')) as unknown;
    return { info: { type, key_size, value_size, max_entries, map_flags, name, btf_vmlinux_value_type_id }, data };
  };
  const path = objectPath('struct_ops_cc');
  const registered = spawnSync('bpftool', ['struct_ops', 'register', path], { encoding: 'utf8' });
  assert.equal(registered.status, 0, registered.stderr);
  let libbpf: ReturnType<typeof dump>;
  try {
    libbpf = dump();
  } finally {
    spawnSync('bpftool', ['struct_ops', 'unregister', 'name', 'tsbpf_cc'], { stdio: 'ignore' });
  }
  using object = await loadObject(path);
  using link = attachStructOps(object.maps.tsbpf_cc!);
  assert.ok(!link.closed);
  assert.deepEqual(dump(), libbpf);
});

test('attachAll registers the struct_ops maps (by variable name) and the object\'s close() unregisters them', { skip }, async () => {
  const object = await loadObject(objectPath('struct_ops_cc'));
  try {
    const links = object.attachAll();
    assert.deepEqual([...links.keys()], ['tsbpf_cc']);
    assert.ok(links.get('tsbpf_cc') instanceof StructOpsLink);
    assert.ok(available().includes('tsbpf_cc'));
  } finally {
    object.close();
  }
  assert.ok(!available().includes('tsbpf_cc'));
});

test('.struct_ops.link: a BPF_STRUCT_OPS link registers; update() swaps in the other map (BPF_LINK_UPDATE); close unregisters', { skip }, async (t) => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  const spec = await openObject(objectPath('struct_ops_cc_link'));
  {
    let loaded: BpfObject;
    try {
      loaded = await loadObject(spec);
    } catch (error) {
      // before 6.4 the kernel refuses BPF_F_LINK on a struct_ops map: the probed reason
      if (error instanceof NotSupportedError) return t.skip(error.message);
      throw error;
    }
    using object = loaded;
    const link = attachStructOps(object.maps.tsbpf_cc_link!);
    assert.ok(link.isBpfLink);
    const info = link.info();
    assert.equal(info.type, 9, 'BPF_LINK_TYPE_STRUCT_OPS');
    const bpftoolLink = bpftoolJson<{ id: number; type: string; map_id?: number }>('link', 'show', 'id', String(info.id));
    assert.equal(bpftoolLink.type, 'struct_ops');
    if (bpftoolLink.map_id !== undefined) assert.equal(bpftoolLink.map_id, object.maps.tsbpf_cc_link!.id);
    assert.ok(available().includes('tsbpf_cc_link'));
    assert.equal(transfer('tsbpf_cc_link', 4 << 20).used, 'tsbpf_cc_link');
    assert.ok(counter(object, 'init_calls') >= 2n && counter(object, 'cong_avoid_calls') > 0n);
    assert.equal(counter(object, 'swap_init_calls'), 0n);

    // the same name, another map: new connections run the swapped-in map's init
    link.update(object.maps.tsbpf_cc_swap!);
    assert.equal(link.map, object.maps.tsbpf_cc_swap);
    assert.ok(available().includes('tsbpf_cc_link'));
    const initCalls = counter(object, 'init_calls');
    assert.equal(transfer('tsbpf_cc_link', 1 << 20).used, 'tsbpf_cc_link');
    assert.ok(counter(object, 'swap_init_calls') >= 2n);
    assert.equal(counter(object, 'init_calls'), initCalls);
    assert.throws(() => link.update(object.maps['.bss']!), InvalidArgumentError);
    link.close();
    assert.ok(!available().includes('tsbpf_cc_link'), 'closing the link unregisters');

    // a link map attaches again once its link is gone; two of one name can't both register, and
    // attachAll undoes the first when the second is refused
    const again = attachStructOps(object.maps.tsbpf_cc_link!);
    assert.ok(available().includes('tsbpf_cc_link'));
    again.close();
    assert.throws(() => object.attachAll(), (error: unknown) => error instanceof BpfError && error.errno === Errno.EEXIST && /another name/.test(error.hint));
    assert.ok(!available().includes('tsbpf_cc_link'));
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(spec), 10_000), []);
  assert.equal(openFdCount(), fds);
});

test('member matching by name: a ___flavour struct in its own order registers; a member the kernel lacks set non-zero, or a struct it lacks, is a StructOpsError', { skip }, async () => {
  const before = kernelSnapshot();
  const fds = openFdCount();
  const only = async (variable: string) => {
    const spec = await openObject(objectPath('struct_ops_flavour'));
    spec.maps = spec.maps.filter((map) => !map.structOps || map.fullName === variable);
    return spec;
  };
  const flavourSpec = await only('tsbpf_cc_flavour');
  {
    using object = await loadObject(flavourSpec);
    assert.deepEqual(Object.keys(object.programs).sort(), ['flavour_cong_avoid', 'flavour_ssthresh', 'flavour_undo_cwnd'], 'programs no map binds are not loaded');
    using link = attachStructOps(object.maps.tsbpf_cc_flavour!);
    assert.ok(available().includes('tsbpf_cc_flv'));
    // by id, bpftool prints the map's info and its value as two JSON objects with a comma between
    const dumped = execFileSync('bpftool', ['-j', 'struct_ops', 'dump', 'id', String(object.maps.tsbpf_cc_flavour!.id)], { encoding: 'utf8' });
    const value = (JSON.parse(`[${dumped}]`) as [unknown, { bpf_struct_ops_tcp_congestion_ops: { data: Record<string, string> } }])[1].bpf_struct_ops_tcp_congestion_ops.data;
    assert.match(value.ssthresh!, /flavour_ssthresh\/prog_id:\d+$/);
    assert.match(value.undo_cwnd!, /flavour_undo_cwnd\/prog_id:\d+$/);
    assert.match(value.init!, / 0$/, 'a member the object lacks is zero');
    link.close();
    assert.ok(!available().includes('tsbpf_cc_flv'));
  }
  await assert.rejects(loadObject(await only('tsbpf_cc_extra')), (error: unknown) =>
    error instanceof StructOpsError && error.map === 'tsbpf_cc_extra' && /member 'tsbpf_extra'.*no such member/.test(error.message));
  await assert.rejects(loadObject(await only('tsbpf_missing')), (error: unknown) =>
    error instanceof StructOpsError && error.map === 'tsbpf_missing' && /no struct tsbpf_no_such_ops/.test(error.message) && error.hint !== '');
  assert.deepEqual(await leftoverObjects(before, objectNames(flavourSpec), 10_000), []);
  assert.equal(openFdCount(), fds);
});

test('attachStructOps refuses a map that is not a loaded struct_ops map', { skip: typeof built === 'string' ? built : false }, async () => {
  using object = await loadObject(objectPath('data_data_bss'));
  assert.throws(() => attachStructOps(object.maps['.bss']!), (error: unknown) => error instanceof InvalidArgumentError && /not struct_ops/.test(error.message));
});
