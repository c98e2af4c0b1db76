/** `tsbpf demo`: registered here, run from demo.ts, which loads the kernel-facing layers only when asked for. */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

export function registerDemo(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('a short live demo: feature probe, a map created, written, read and listed, then removed')
    .action(context.run('demo', async (options) => (await import('./demo.js')).runDemo(options)));
}
