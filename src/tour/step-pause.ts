/**
 * `--step`: waits for Enter between steps on a terminal. When stdin is not a terminal (a pipe, a file,
 * /dev/null, a CI job) there is nobody to press Enter, so the tour says so once and carries on.
 * Ctrl-C while waiting stops the tour (the caller closes what it holds).
 */
import { createInterface } from 'node:readline';

export type PauseResult = 'continue' | 'interrupted';

export interface StepPause {
  /** Waits before step `next` (titled `title`); resolves at once when not pausing. */
  before(next: number, title: string): Promise<PauseResult>;
  /** A note to print once at the start (why --step does not wait), or ''. */
  readonly note: string;
}

export function stepPause(enabled: boolean, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): StepPause {
  if (!enabled) return { note: '', before: () => Promise.resolve('continue') };
  if (!input.isTTY) {
    return {
      note: '(--step: stdin is not a terminal, so the tour does not wait between steps)\n\n',
      before: () => Promise.resolve('continue'),
    };
  }
  let ended = false;
  return {
    note: '(--step: the tour waits for Enter between steps; until the clean-up its programs and maps stay loaded, '
      + 'for a look from another terminal: sudo tsbpf prog list)\n\n',
    before(next, title) {
      if (ended) return Promise.resolve('continue');
      return new Promise((resolve) => {
        const prompt = createInterface({ input, output, terminal: true });
        let settled = false;
        const finish = (result: PauseResult) => {
          if (settled) return;
          settled = true;
          prompt.close();
          input.pause(); // a paused stdin does not keep the process alive between prompts
          resolve(result);
        };
        prompt.on('SIGINT', () => { output.write('\n'); finish('interrupted'); });
        prompt.on('close', () => { ended = !settled; finish('continue'); }); // Ctrl-D: stop waiting
        prompt.question(`Press Enter for step ${next}: ${title} `, () => finish('continue'));
      });
    },
  };
}
