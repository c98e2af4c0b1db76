/**
 * tcpconnect on this kernel, run as a user runs it (`tsbpf tcpconnect ...` in a child process): a client
 * child process connects to a listener of the test on 127.0.0.1 (and ::1 when the machine has it); its
 * line is checked column by column against libbpf-tools' printf formats, each flag against what it
 * filters, -c's table, --json, bad flags, and that nothing stays loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { link } from '../../index.js';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, WAIT_SCALE } from '../common/tool-process.test-support.js';
import { chooseConnectHook } from './tcpconnect.js';
import { client, listen, loopbackMissing, rowsWhere, waitForLinks } from './tcp-traffic.test-support.js';

const NAMES = ['connect_syn_sent', 'connect_exit', 'tcp_v4_connect', 'tcp_v4_connect_ret', 'tcp_v6_connect', 'tcp_v6_connect_ret', 'flow_counts', 'tcpconne.rodata', 'tcpconne.bss'];
const HEADER = /^PID +COMM +IP SADDR +DADDR +DPORT$/;
const kprobeMissing = typeof link.probePmu('kprobe') === 'string';
const hookLinks = kprobeMissing ? 2 : 4;

test('tcpconnect prints a connect of a pid in libbpf-tools\' columns; SIGTERM leaves nothing loaded', async () => {
  const before = kernelSnapshot();
  const listener = await listen('127.0.0.1');
  const connector = client('127.0.0.1', listener.port);
  const tool = startTool('tcpconnect', ['-p', String(connector.pid)]);
  await tool.waitForLine(HEADER);
  await connector.go();
  await tool.waitForLine(new RegExp(`^${connector.pid} `));
  const result = await tool.stop('SIGTERM');
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.split('\n')[0], `${'PID'.padEnd(6)} ${'COMM'.padEnd(16)} IP ${'SADDR'.padEnd(16)} ${'DADDR'.padEnd(16)} DPORT`);
  const lines = result.stdout.split('\n').slice(1).filter(Boolean);
  assert.deepEqual(lines, [`${String(connector.pid).padEnd(6)} ${'node'.padEnd(16)} 4  ${'127.0.0.1'.padEnd(16)} ${'127.0.0.1'.padEnd(16)} ${String(listener.port).padEnd(5)}`]);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcpconnect -t -U -s over IPv6: time, uid and source port columns', async (t) => {
  const missing = await loopbackMissing('::1');
  if (missing) return t.skip(missing);
  const listener = await listen('::1');
  const connector = client('::1', listener.port);
  const tool = startTool('tcpconnect', ['-tUs', '-p', String(connector.pid)]);
  await tool.waitForLine(/^TIME\(s\) +UID +PID +COMM +IP SADDR +DADDR +SPORT DPORT$/);
  const { localPort } = await connector.go();
  await tool.waitForLine(new RegExp(` ${connector.pid} `));
  const result = await tool.stop();
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  const line = result.stdout.split('\n')[1]!;
  const uid = String(process.getuid!()).padEnd(6);
  assert.equal(line, `${'0.000'.padEnd(9)}${uid}${String(connector.pid).padEnd(6)} ${'node'.padEnd(16)} 6  ${'::1'.padEnd(16)} ${'::1'.padEnd(16)} ${String(localPort).padEnd(5)} ${String(listener.port).padEnd(5)}`);
});

test('tcpconnect -P, -4/-6, -u filter in the kernel; -L shows the local port', async () => {
  const listener = await listen('127.0.0.1');
  const connector = client('127.0.0.1', listener.port);
  const pid = String(connector.pid);
  const wanted = startTool('tcpconnect', ['-4', '-L', '-P', `1,${listener.port}`, '-p', pid]);
  const otherPort = startTool('tcpconnect', ['-P', '1', '-p', pid]);
  const otherFamily = startTool('tcpconnect', ['-6', '-p', pid]);
  const otherUid = startTool('tcpconnect', ['-u', '4242', '-p', pid]);
  for (const tool of [otherPort, otherFamily, otherUid]) await tool.waitForLine(HEADER);
  await wanted.waitForLine(/SPORT DPORT$/);
  const { localPort } = await connector.go();
  await wanted.waitForLine(new RegExp(`^${pid} `));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const results = await Promise.all([wanted, otherPort, otherFamily, otherUid].map((tool) => tool.stop()));
  await listener.close();
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(rowsWhere(results[0]!.stdout, 0, pid).map((fields) => fields.slice(-2)), [[String(localPort), String(listener.port)]]);
  for (const result of results.slice(1)) assert.equal(result.stdout.split('\n').filter(Boolean).length, 1, `only the header:\n${result.stdout}`);
});

test('tcpconnect -c counts per flow and prints libbpf-tools\' table at the end; --json -c gives objects', async () => {
  const listener = await listen('127.0.0.1');
  const counting = startTool('tcpconnect', ['-c', '-P', String(listener.port)]);
  const counting2 = startTool('tcpconnect', ['-c', '-s', '--json', '-P', String(listener.port)]);
  await waitForLinks(counting.child.pid!, hookLinks);
  await waitForLinks(counting2.child.pid!, hookLinks);
  const first = await client('127.0.0.1', listener.port).go();
  const second = await client('127.0.0.1', listener.port).go();
  const [result, json] = await Promise.all([counting.stop(), counting2.stop()]);
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `\n${'LADDR'.padEnd(25)} ${'RADDR'.padEnd(25)} ${'RPORT'.padEnd(20)} ${'CONNECTS'.padEnd(10)}\n`
    + `${'127.0.0.1'.padEnd(25)} ${'127.0.0.1'.padEnd(25)} ${String(listener.port).padEnd(20)} ${'2'.padEnd(10)}\n`);
  assert.equal(json.code, 0, json.stderr);
  const flows = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(flows.map((flow) => flow.sport).sort(), [first.localPort, second.localPort].sort());
  for (const flow of flows) assert.deepEqual({ ...flow, sport: 0 }, { ip: 4, saddr: '127.0.0.1', daddr: '127.0.0.1', sport: 0, dport: listener.port, connects: 1 });
});

test('tcpconnect --json: one object per connect with the decoded event', async () => {
  const listener = await listen('127.0.0.1');
  const connector = client('127.0.0.1', listener.port);
  const tool = startTool('tcpconnect', ['--json', '-t', '-p', String(connector.pid)]);
  await waitForLinks(tool.child.pid!, hookLinks);
  const { localPort } = await connector.go();
  await tool.waitForLine(/"pid"/);
  const result = await tool.stop();
  await listener.close();
  const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(events.length, 1, result.stdout);
  const event = events[0]!;
  assert.deepEqual([event.pid, event.comm, event.ip, event.saddr, event.daddr, event.sport, event.dport, event.uid, event.time],
    [connector.pid, 'node', 4, '127.0.0.1', '127.0.0.1', localPort, listener.port, process.getuid!(), 0]);
  assert.equal(typeof event.ts_us, 'number');
});

test('tcpconnect chooses kprobes only where the kernel has a kprobe PMU; --attach kprobe says what is missing', async () => {
  assert.equal(chooseConnectHook('auto').hook, kprobeMissing ? 'tracepoint' : 'kprobe');
  assert.equal(chooseConnectHook('tracepoint').hook, 'tracepoint');
  if (!kprobeMissing) return;
  const before = kernelSnapshot();
  const result = await runToolProcess('tcpconnect', ['--attach', 'kprobe', '-d', '1']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^tcpconnect: .*kprobe.*\n$/);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcpconnect -d ends by itself', async () => {
  const before = kernelSnapshot();
  const started = Date.now();
  const result = await runToolProcess('tcpconnect', ['-d', '1', '-P', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 10_000 * WAIT_SCALE);
  assert.match(result.stdout, /^PID +COMM +IP SADDR +DADDR +DPORT\n$/);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcpconnect: bad flags exit 2 with libbpf-tools\' message and argp\'s hint; -h prints the help', async () => {
  const cases = [
    [['-p', 'abc'], 'invalid PID: abc'],
    [['-u', 'x'], 'invalid UID: x'],
    [['-P', '80,0'], 'invalid PORT_LIST: 80,0'],
    [['-P', '70000'], 'invalid PORT_LIST: 70000'],
    [['-4', '-6'], '-4 and -6 are mutually exclusive'],
    [['--attach', 'x'], 'Invalid attach point: x'],
    [['-z'], "invalid option -- 'z'"],
  ] as const;
  for (const [args, message] of cases) {
    const result = await runToolProcess('tcpconnect', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `tcpconnect: ${message}\nUsage: tcpconnect [OPTION...]\nTry 'tcpconnect --help' or 'tcpconnect --usage' for more information.\n`);
  }
  const help = await runToolProcess('tcpconnect', ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: tcpconnect \[OPTION\.\.\.\]\nCount\/Trace active tcp connections\n/);
  assert.match(help.stdout, /  -c, --count +Count connects per src ip and dst ip\/port\n/);
});
