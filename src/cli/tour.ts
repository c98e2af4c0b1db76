/** `tsbpf tour [--step]`: registered here, run from src/tour, which loads only when asked for. */
import type { Command } from 'commander';
import { UsageError } from './cli-errors.js';
import type { CliContext } from './main.js';

export function registerTour(program: Command, context: CliContext): void {
  program
    .command('tour')
    .description('the eBPF learning notes, live, in a few seconds: an object file, the bpf syscall and the verifier, xlated code with C lines, tracepoint events, maps, clean-up (needs root)')
    .option('--step', 'wait for Enter between steps (when stdin is a terminal)')
    .action((flags: { step?: boolean }) => context.run('tour', async (options) => {
      if (options.json) throw new UsageError('the tour prints text only', 'run tsbpf tour without -j/-p');
      const { runTour } = await import('../tour/run-tour.js');
      await runTour({ step: Boolean(flags.step) });
    })());
}
