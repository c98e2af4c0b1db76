/** A C consumer process for the event benchmarks: started, waited for until it prints "ready", then its JSON line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export class ConsumerProcess<T> {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<T>;

  constructor(binary: string, args: readonly string[]) {
    this.#child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let ready = (): void => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.startsWith('ready\n')) ready();
    });
    this.done = once(this.#child, 'exit').then(([code]) => {
      const line = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) throw new Error(`${binary} exited with ${String(code)}: ${output}`);
      return JSON.parse(line) as T;
    });
    this.done.catch(() => undefined);
    // A consumer that fails before "ready" must not leave the caller waiting.
    this.done.then(() => ready(), () => ready());
  }

  get exited(): boolean {
    return this.#child.exitCode !== null;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}
