/**
 * tcpstates on this kernel, run as a user runs it: a client child process connects to the test's
 * listener, sends, half-closes and reads the reply; the client's socket must go CLOSE -> SYN_SENT ->
 * ESTABLISHED -> FIN_WAIT1 -> ... -> CLOSE and the listener's accepted socket LISTEN -> SYN_RECV -> ... ->
 * LAST_ACK -> CLOSE, in libbpf-tools' columns; then the filters, --json, bad flags, nothing left loaded.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { link } from '../../index.js';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool, type ToolProcess } from '../common/tool-process.test-support.js';
import { client, killAtEnd, listen, loopbackMissing, waitForLinks } from '../tcpconnect/tcp-traffic.test-support.js';

const NAMES = ['tcp_state_change', 'tcp_v4_init_sock', 'tcp_v6_init_sock', 'entered', 'tcpstate.rodata', 'tcpstate.bss'];
const HEADER = /^SKADDR +PID +COMM +LADDR +LPORT RADDR +RPORT OLDSTATE    -> NEWSTATE    MS$/;
const kprobeMissing = typeof link.probePmu('kprobe') === 'string';

interface Change { skaddr: string; pid: string; fields: string[]; transition: string }

/** The state changes printed, by socket, in order. */
function changes(stdout: string, skaddrColumn = 0): Map<string, Change[]> {
  const bySocket = new Map<string, Change[]>();
  for (const line of stdout.split('\n')) {
    const match = / (\S+) +-> (\S+) +\S+$/.exec(line);
    if (!match) continue;
    const fields = line.trim().split(/ +/);
    const skaddr = fields[skaddrColumn]!;
    if (skaddr === 'SKADDR') continue;
    const list = bySocket.get(skaddr) ?? [];
    list.push({ skaddr, pid: fields[skaddrColumn + 1]!, fields, transition: `${match[1]} -> ${match[2]}` });
    bySocket.set(skaddr, list);
  }
  return bySocket;
}

/** Each change starts where the previous one ended. */
function assertChain(list: Change[]): void {
  for (let i = 1; i < list.length; i++) {
    assert.equal(list[i]!.transition.split(' -> ')[0], list[i - 1]!.transition.split(' -> ')[1], list.map((change) => change.transition).join(', '));
  }
}

async function traffic(t: TestContext, host: string, args: (listenerPort: number) => string[], ready: (tool: ToolProcess, listenerPort: number) => Promise<unknown>) {
  const listener = await listen(host, 1024);
  t.after(() => listener.close());
  const connector = client(host, listener.port, 2048);
  const tool = startTool('tcpstates', args(listener.port));
  killAtEnd(t, connector.child, tool.child);
  await ready(tool, listener.port);
  const { localPort } = await connector.go();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await tool.stop('SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  return { result, listener, connector, localPort };
}

test('tcpstates -D: the client socket\'s changes from CLOSE -> SYN_SENT to CLOSE in libbpf-tools\' columns', async (t) => {
  const before = kernelSnapshot();
  const { result, listener, connector, localPort } = await traffic(t, '127.0.0.1', (port) => ['-D', String(port)], (tool) => tool.waitForLine(HEADER));
  assert.equal(result.stdout.split('\n')[0], `${'SKADDR'.padEnd(16)} ${'PID'.padEnd(7)} ${'COMM'.padEnd(10)} ${'LADDR'.padEnd(15)} LPORT ${'RADDR'.padEnd(15)} RPORT OLDSTATE    -> NEWSTATE    MS`);
  const sockets = [...changes(result.stdout).values()];
  assert.equal(sockets.length, 1, result.stdout);
  const list = sockets[0]!;
  assert.deepEqual(list.slice(0, 3).map((change) => change.transition), ['CLOSE -> SYN_SENT', 'SYN_SENT -> ESTABLISHED', 'ESTABLISHED -> FIN_WAIT1']);
  assert.equal(list.at(-1)!.transition.split(' -> ')[1], 'CLOSE');
  assertChain(list);
  // the connect runs in the client; the source port is chosen only after SYN_SENT
  const first = result.stdout.split('\n')[1]!;
  const prefix = `${list[0]!.skaddr.padEnd(16)} ${String(connector.pid).padEnd(7)} ${'node'.padEnd(10)} ${'127.0.0.1'.padEnd(15)} ${'0'.padEnd(5)} ${'127.0.0.1'.padEnd(15)} ${String(listener.port).padEnd(5)} ${'CLOSE'.padEnd(11)} -> ${'SYN_SENT'.padEnd(11)} `;
  assert.ok(first.startsWith(prefix), `${first}\n${prefix}`);
  assert.match(first.slice(prefix.length), kprobeMissing ? /^0\.000$/ : /^\d+\.\d{3}$/);
  assert.match(list[0]!.skaddr, /^[0-9a-f]{16}$/);
  for (const change of list.slice(1)) assert.deepEqual([change.fields[3], change.fields[4], change.fields[6]], ['127.0.0.1', String(localPort), String(listener.port)]);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcpstates -w -T -L over IPv6: the accepted socket from LISTEN to LAST_ACK -> CLOSE, wide columns', async (t) => {
  const missing = await loopbackMissing('::1');
  if (missing) return t.skip(missing);
  const { result, listener, localPort } = await traffic(t, '::1', (port) => ['-wT', '-L', String(port)],
    (tool) => tool.waitForLine(/^TIME\(s\) +SKADDR +PID +COMM +IP LADDR +LPORT RADDR +RPORT OLDSTATE    -> NEWSTATE    MS$/));
  const accepted = [...changes(result.stdout, 1).values()].find((list) => list.some((change) => change.fields[8] === String(localPort)));
  assert.ok(accepted, result.stdout);
  assert.deepEqual(accepted.map((change) => change.transition), ['LISTEN -> SYN_RECV', 'SYN_RECV -> ESTABLISHED', 'ESTABLISHED -> CLOSE_WAIT', 'CLOSE_WAIT -> LAST_ACK', 'LAST_ACK -> CLOSE']);
  const closeWait = accepted[3]!;
  assert.equal(closeWait.pid, String(process.pid), 'this process closed its end');
  assert.match(closeWait.fields[0]!, /^\d\d:\d\d:\d\d$/);
  const line = result.stdout.split('\n').find((candidate) => candidate.includes('CLOSE_WAIT  -> LAST_ACK'))!;
  assert.ok(line.includes(` ${String(process.pid).padEnd(7)} ${'node'.padEnd(16)} 6  ${'::1'.padEnd(26)} ${String(listener.port).padEnd(5)} ${'::1'.padEnd(26)} ${String(localPort).padEnd(5)} CLOSE_WAIT  -> LAST_ACK    `), line);
});

test('tcpstates -4/-6 filter in the kernel; --json carries state names and the decoded event', async (t) => {
  let other: ToolProcess | undefined;
  const { result, connector, localPort } = await traffic(t, '127.0.0.1', (port) => ['--json', '-4', '-D', String(port)], async (tool, port) => {
    await waitForLinks(tool.child.pid!, 1);
    other = startTool('tcpstates', ['-6', '-D', String(port)]);
    killAtEnd(t, other.child);
    await other.waitForLine(HEADER);
  });
  const quiet = await other!.stop();
  assert.equal(quiet.stdout.split('\n').filter(Boolean).length, 1, quiet.stdout);
  const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(events.slice(0, 2).map((event) => [event.oldstate, event.newstate]), [['CLOSE', 'SYN_SENT'], ['SYN_SENT', 'ESTABLISHED']]);
  const first = events[0]!;
  assert.deepEqual([first.pid, first.comm, first.ip, first.saddr, first.daddr, first.sport], [connector.pid, 'node', 4, '127.0.0.1', '127.0.0.1', 0]);
  assert.equal(events[1]!.sport, localPort);
  assert.match(String(first.skaddr), /^[0-9a-f]+$/);
  assert.equal(typeof first.ms, 'number');
});

test('tcpstates -d ends by itself and leaves nothing loaded', async () => {
  const before = kernelSnapshot();
  const result = await runToolProcess('tcpstates', ['-d', '1', '-L', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^SKADDR +PID +COMM +LADDR +LPORT RADDR +RPORT OLDSTATE    -> NEWSTATE    MS\n$/);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcpstates: bad flags exit 2 with the tool\'s message and argp\'s hint; -h prints the help', async () => {
  const cases = [
    [['-L', '0'], 'Invalid ports: 0'],
    [['-D', 'http'], 'Invalid ports: http'],
    [['-4', '-6'], '-4 and -6 are mutually exclusive'],
    [['-d', 'x'], 'Invalid duration: x'],
    [['-q'], "invalid option -- 'q'"],
  ] as const;
  for (const [args, message] of cases) {
    const result = await runToolProcess('tcpstates', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `tcpstates: ${message}\nUsage: tcpstates [OPTION...]\nTry 'tcpstates --help' or 'tcpstates --usage' for more information.\n`);
  }
  const help = await runToolProcess('tcpstates', ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: tcpstates \[OPTION\.\.\.\]\nTrace TCP session state changes and durations\.\n/);
});
