/**
 * A producer process for the readers' tests and the event benchmarks: a child node process that runs a
 * raw_tp producer program (corpus/loader/events_*.bpf.c, args: count, mode, first sequence number) with
 * BPF_PROG_TEST_RUN in a loop, concurrently with the reader in the parent. The child gets the program's
 * fd as its fd 3, waits for `start()`, and reports how many records it produced.
 *
 * `paced`: the program stops at the first record the ring has no room for and returns how many it
 * wrote; the child resumes from there, so it runs at the consumer's pace and nothing is lost (ringbuf).
 * Not paced: every run asks for `perRun` records and the return value counts those the kernel accepted
 * (perf buffers count the rest as lost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Program } from '../programs/program.js';

export interface ProducerOptions {
  /** Records to produce in all. */
  total: number;
  /** Records per test run (bpf_loop count). */
  perRun: number;
  /** The program's args[1]. */
  mode: number;
  /** The first record's sequence number. */
  firstSeq?: number;
  paced: boolean;
  /** Pin the child to this CPU (taskset), so per-CPU producers land where the test wants them. */
  cpu?: number;
}

export interface ProducerResult {
  /** Records asked for. */
  produced: number;
  /** Records the kernel took (== produced when paced). */
  accepted: number;
  runs: number;
  /** Wall time from start() to the last run's end, in the child. */
  elapsedNs: number;
}

export class ProducerProcess {
  readonly #child: ChildProcess;
  readonly #result: Promise<ProducerResult>;
  readonly #ready: Promise<void>;
  readonly #started: Promise<void>;

  constructor(program: Program, options: ProducerOptions) {
    const script = fileURLToPath(import.meta.url);
    const args = [script, JSON.stringify(options)];
    const command = options.cpu === undefined ? process.execPath : 'taskset';
    const argv = options.cpu === undefined ? args : ['-c', String(options.cpu), process.execPath, ...args];
    this.#child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit', program.fd.value] });
    let output = '';
    this.#child.stdout!.setEncoding('utf8');
    let ready = (): void => undefined;
    let started = (): void => undefined;
    this.#ready = new Promise((resolve) => (ready = resolve));
    this.#started = new Promise((resolve) => (started = resolve));
    this.#child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready\n')) ready();
      if (output.includes('started\n')) started();
    });
    this.#result = once(this.#child, 'exit').then(([code]) => {
      const line = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) throw new Error(`producer child exited with ${String(code)}: ${output}`);
      return JSON.parse(line) as ProducerResult;
    });
    this.#result.catch(() => undefined);
  }

  /** Resolves once the child has started and waits for start(). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Tells the child to go; resolves once it has (keep the event loop free until then). */
  start(): Promise<void> {
    this.#child.stdin!.end('go\n');
    return Promise.race([this.#started, this.#result.then(() => undefined)]);
  }

  get done(): Promise<ProducerResult> {
    return this.#result;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

async function childMain(options: ProducerOptions): Promise<void> {
  const { runTest } = await import('../programs/program-test-run.js');
  const { ProgramType } = await import('../programs/program-types.js');
  const PROGRAM_FD = 3;
  process.stdout.write('ready\n');
  process.stdin.resume();
  await once(process.stdin, 'data');
  process.stdin.destroy();
  process.stdout.write('started\n');
  const context = new Uint8Array(32);
  const words = new DataView(context.buffer);
  let seq = options.firstSeq ?? 0;
  let produced = 0;
  let accepted = 0;
  let runs = 0;
  const started = process.hrtime.bigint();
  while (produced < options.total) {
    const count = Math.min(options.perRun, options.total - produced);
    words.setBigUint64(0, BigInt(count), true);
    words.setBigUint64(8, BigInt(options.mode), true);
    words.setBigUint64(16, BigInt(seq), true);
    const took = runTest(PROGRAM_FD, ProgramType.RawTracepoint, { context }).returnValue;
    runs++;
    accepted += took;
    const advanced = options.paced ? took : count;
    produced += advanced;
    seq += advanced;
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  process.stdout.write(JSON.stringify({ produced, accepted, runs, elapsedNs } satisfies ProducerResult) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await childMain(JSON.parse(process.argv[2] ?? '{}') as ProducerOptions);
}
