/**
 * Tests run a tool the way a user does: `tsbpf NAME ARGS` as a child process, wait until it prints its
 * header (it is attached by then), cause events, stop it with a signal or let -d end it, and check what
 * it printed and its exit status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** Waits stretch in the kernel matrix's qemu guest (TCG emulation starts a tool in ~30 s, not ~1 s). */
export const WAIT_SCALE = process.env.TSBPF_GUEST ? 6 : 1;

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ToolProcess {
  child: ChildProcess;
  /** Resolves once stdout has a line matching `pattern` (rejects after `timeoutMs` or on exit). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (default SIGINT) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ToolResult>;
  /** The exit, however it comes. */
  done: Promise<ToolResult>;
  stdout(): string;
}

/** Tools still running when the test file ends (a test failed before stopping its tool) are killed then. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export function startTool(name: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolProcess {
  const child = spawn(process.execPath, [CLI, name, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('close', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      const line = stdout.split('\n').find((candidate) => waiter.pattern.test(candidate));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const done = new Promise<ToolResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    stdout: () => stdout,
    waitForLine(pattern, timeoutMs = 20_000 * WAIT_SCALE) {
      const existing = stdout.split('\n').find((line) => pattern.test(line));
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        const waiter = { pattern, resolve: (line: string) => { clearTimeout(timer); resolve(line); } };
        waiters.push(waiter);
        void done.then((result) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`${name} exited (${result.code ?? result.signal}) before printing a line matching ${pattern}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`));
        });
      });
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return done;
    },
  };
}

/** Runs `tsbpf NAME ARGS` to its end (usage errors, -h, -d runs). */
export function runToolProcess(name: string, args: readonly string[]): Promise<ToolResult> {
  return startTool(name, args).done;
}

/** Waits until process `pid` holds `count` BPF links: the tool is attached (for runs that print no header, like --json). */
export async function waitForLinks(pid: number, count: number, timeoutMs = 10_000 * WAIT_SCALE): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let links = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf_link') links++;
        } catch { /* closed meanwhile */ }
      }
    } catch { /* not started yet */ }
    if (links >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pid ${pid} did not attach ${count} programs in ${timeoutMs} ms`);
}
