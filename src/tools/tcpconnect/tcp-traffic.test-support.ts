/**
 * TCP traffic the TCP tools' tests trace: a listener in the test process, and a client in a child process
 * the test spawns first (so the tool can filter on its pid), connects when told, sends a known number of
 * bytes, half-closes, reads the listener's reply to the end, and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';

export interface Listener {
  host: string;
  port: number;
  /** Bytes received per accepted connection, in order. */
  received: number[];
  close(): Promise<void>;
}

/** A listener on `host` that reads until the peer half-closes, then answers `reply` bytes and closes. */
export async function listen(host: string, reply = 0): Promise<Listener> {
  const received: number[] = [];
  const server: Server = createServer((socket) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => { bytes += chunk.length; });
    socket.on('end', () => {
      received.push(bytes);
      socket.end(Buffer.alloc(reply, 0x61));
    });
    socket.on('error', () => { /* the client may reset */ });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new TypeError('listener has no port');
  return {
    host,
    port: address.port,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Whether this machine has `host` (e.g. ::1) to listen on; the reason when not. */
export async function loopbackMissing(host: string): Promise<string | undefined> {
  try {
    const listener = await listen(host);
    await listener.close();
    return undefined;
  } catch (error) {
    return `cannot listen on ${host}: ${(error as Error).message}`;
  }
}

export interface Client {
  child: ChildProcess;
  pid: number;
  /** Connects, exchanges the bytes, and resolves with the client's local port once the child has exited. */
  go(): Promise<{ localPort: number; received: number }>;
}

const CLIENT_SCRIPT = `
const net = require('node:net');
const [host, port, send] = process.argv.slice(1);
setTimeout(() => process.exit(3), 30000); // a test that failed before telling it to go
process.stdin.once('data', () => {
  let localPort;
  let received = 0;
  const socket = net.connect(Number(port), host, () => {
    localPort = socket.localPort;
    socket.end(Buffer.alloc(Number(send), 0x62));
  });
  socket.on('data', (chunk) => { received += chunk.length; });
  socket.on('error', (error) => { process.stdout.write(JSON.stringify({ error: error.code }) + '\\n'); process.exit(1); });
  socket.on('close', () => {
    process.stdout.write(JSON.stringify({ localPort, received }) + '\\n');
    process.exit(0);
  });
});
`;

/** A client child process for `host:port` that sends `send` bytes when told. */
export function client(host: string, port: number, send = 0): Client {
  const child = spawn(process.execPath, ['-e', CLIENT_SCRIPT, host, String(port), String(send)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    pid: child.pid!,
    async go() {
      child.stdin!.end('go\n');
      await exited;
      const result = JSON.parse(stdout.trim()) as { localPort?: number; received?: number; error?: string };
      if (result.error !== undefined || result.localPort === undefined) throw new Error(`client failed: ${stdout}`);
      return { localPort: result.localPort, received: result.received ?? 0 };
    },
  };
}

/** Kills `children` when the test ends, so a failed test leaves no tool or client running (and can end). */
export function killAtEnd(t: { after(fn: () => void): void }, ...children: ChildProcess[]): void {
  t.after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}


/** The whitespace-separated fields of the lines whose field `column` is `value`. */
export function rowsWhere(stdout: string, column: number, value: string | number): string[][] {
  return stdout.split('\n').map((line) => line.trim().split(/ +/)).filter((fields) => fields[column] === String(value));
}

export { waitForLinks } from '../common/tool-process.test-support.js';
