/**
 * tcplife on this kernel, run as a user runs it: a client child process connects to the test's listener,
 * sends 10 KiB, half-closes and reads a 5 KiB reply; once both ends close, the client's session line
 * (its pid, comm, ports, TX_KB 10.00, RX_KB 5.00) and the listener's mirror line are checked against
 * libbpf-tools' printf formats, then the filters, --json, bad flags, and that nothing stays loaded.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { kernelSnapshot, leftoverObjects } from '../../test-support/kernel.js';
import { runToolProcess, startTool } from '../common/tool-process.test-support.js';
import { client, killAtEnd, listen, loopbackMissing, rowsWhere, waitForLinks } from '../tcpconnect/tcp-traffic.test-support.js';

const NAMES = ['inet_sock_set_state', 'birth', 'idents', 'lports', 'rports', 'tcplife.rodata', 'tcplife.bss'];
const HEADER = /^PID +COMM +LADDR +LPORT RADDR +RPORT TX_KB  RX_KB  MS$/;
const SENT = 10 * 1024;
const REPLY = 5 * 1024;

async function session(t: TestContext, host: string, args: (clientPid: number, listenerPort: number) => string[], header: RegExp = HEADER) {
  const listener = await listen(host, REPLY);
  const connector = client(host, listener.port, SENT);
  const tool = startTool('tcplife', args(connector.pid, listener.port));
  killAtEnd(t, connector.child, tool.child);
  t.after(() => listener.close());
  await tool.waitForLine(header);
  const { localPort, received } = await connector.go();
  assert.equal(received, REPLY);
  return { tool, listener, connector, localPort };
}

test('tcplife prints the session of a pid when it closes, with bytes each way; SIGTERM leaves nothing loaded', async (t) => {
  const before = kernelSnapshot();
  const { tool, listener, connector, localPort } = await session(t, '127.0.0.1', (pid) => ['-p', String(pid)]);
  await tool.waitForLine(new RegExp(`^${connector.pid} +node +127\\.0\\.0\\.1 +${localPort} `));
  const result = await tool.stop('SIGTERM');
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.split('\n')[0], `${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} ${'LADDR'.padEnd(15)} LPORT ${'RADDR'.padEnd(15)} RPORT TX_KB  RX_KB  MS`);
  const line = result.stdout.split('\n').find((candidate) => candidate.includes(` ${localPort} `))!;
  const prefix = `${String(connector.pid).padEnd(7)} ${'node'.padEnd(16)} ${'127.0.0.1'.padEnd(15)} ${String(localPort).padEnd(5)} ${'127.0.0.1'.padEnd(15)} ${String(listener.port).padEnd(5)} 10.00  5.00   `;
  assert.ok(line.startsWith(prefix), `${line}\n${prefix}`);
  assert.match(line.slice(prefix.length), /^\d+\.\d\d$/, 'MS with two decimals');
  assert.ok(Number(line.slice(prefix.length)) < 10_000, 'the session lived less than 10 s');
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcplife -T -t -w over IPv6: time columns and wide addresses; the listener\'s end mirrors the bytes', async (t) => {
  const missing = await loopbackMissing('::1');
  if (missing) return t.skip(missing);
  const { tool, listener, localPort } = await session(t, '::1', (_pid, port) => ['-Ttw', '-L', `1,${port}`],
    /^TIME\(s\)  TIME\(s\)  +PID +COMM +LADDR +LPORT RADDR +RPORT TX_KB  RX_KB  MS$/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await tool.stop();
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  // -L port: only the listener's end (local port = listener port), owned by this process, which closed it (LAST_ACK)
  assert.equal(rowsWhere(result.stdout, 5, localPort).length, 0, 'not the client\'s end');
  const listenerEnd = rowsWhere(result.stdout, 5, listener.port);
  assert.equal(listenerEnd.length, 1, result.stdout);
  const fields = listenerEnd[0]!;
  assert.match(fields[0]!, /^\d\d:\d\d:\d\d$/);
  assert.match(fields[1]!, /^\d+\.\d{6}$/);
  assert.deepEqual(fields.slice(2, 10), [String(process.pid), 'node', '::1', String(listener.port), '::1', String(localPort), '5.00', '10.00']);
  const line = result.stdout.split('\n').find((candidate) => candidate.includes(` ${localPort} `))!;
  assert.ok(line.includes(` ${'::1'.padEnd(39)} ${String(listener.port).padEnd(5)} ${'::1'.padEnd(39)} `), line);
});

test('tcplife -4/-6, -L and -D filter in the kernel; --json (through a perf buffer) carries exact byte counts', async (t) => {
  const listener = await listen('127.0.0.1', REPLY);
  const connector = client('127.0.0.1', listener.port, SENT);
  const tool = startTool('tcplife', ['--json', '--events', 'perf', '-4', '-D', String(listener.port), '-p', String(connector.pid)]);
  const others = [['-6'], ['-L', '1'], ['-D', '1']].map((args) => startTool('tcplife', [...args, '-p', String(connector.pid)]));
  killAtEnd(t, connector.child, tool.child, ...others.map((other) => other.child));
  await waitForLinks(tool.child.pid!, 1);
  for (const other of others) await other.waitForLine(HEADER);
  const { localPort } = await connector.go();
  await tool.waitForLine(/"pid"/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = await tool.stop();
  await listener.close();
  assert.equal(result.code, 0, result.stderr);
  const sessions = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(sessions.length, 1, result.stdout);
  const event = sessions[0]!;
  assert.deepEqual([event.pid, event.comm, event.ip, event.saddr, event.daddr, event.sport, event.dport, event.tx_kb, event.rx_kb],
    [connector.pid, 'node', 4, '127.0.0.1', '127.0.0.1', localPort, listener.port, 10, 5]);
  // bytes_acked and bytes_received count the sequence space, where SYN and FIN take one each
  assert.ok(Number(event.tx_b) >= SENT && Number(event.tx_b) <= SENT + 2, `tx_b ${String(event.tx_b)}`);
  assert.ok(Number(event.rx_b) >= REPLY && Number(event.rx_b) <= REPLY + 2, `rx_b ${String(event.rx_b)}`);
  for (const other of others) {
    const quiet = await other.stop();
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout.split('\n').filter(Boolean).length, 1, `only the header:\n${quiet.stdout}`);
  }
});

test('tcplife -d ends by itself and leaves nothing loaded', async () => {
  const before = kernelSnapshot();
  const result = await runToolProcess('tcplife', ['-d', '1', '-L', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^PID +COMM +LADDR +LPORT RADDR +RPORT TX_KB  RX_KB  MS\n$/);
  assert.deepEqual(await leftoverObjects(before, NAMES), []);
});

test('tcplife: bad flags exit 2 with the tool\'s message and argp\'s hint; -h prints the help', async () => {
  const cases = [
    [['-p', 'abc'], 'Invalid PID: abc'],
    [['-p', '0'], 'Invalid PID: 0'],
    [['-L', '80,x'], 'Invalid ports: 80,x'],
    [['-D', '65536'], 'Invalid ports: 65536'],
    [['-4', '-6'], '-4 and -6 are mutually exclusive'],
    [['-L'], "option requires an argument -- 'L'"],
  ] as const;
  for (const [args, message] of cases) {
    const result = await runToolProcess('tcplife', args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `tcplife: ${message}\nUsage: tcplife [OPTION...]\nTry 'tcplife --help' or 'tcplife --usage' for more information.\n`);
  }
  const help = await runToolProcess('tcplife', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: tcplife \[OPTION\.\.\.\]\nTrace the lifespan of TCP sessions and summarize\.\n/);
});
