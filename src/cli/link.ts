/**
 * `tsbpf link list|show [id N | pinned PATH]`, `tsbpf link pin LINK PATH`, `tsbpf link detach LINK`:
 * bpftool's link commands. The work happens in src/inspect/links.ts, loaded only when a command runs.
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

export function registerLink(program: Command, context: CliContext): void {
  const link = program.command('link').description('inspect BPF links: show|list, pin, detach (bpftool\'s grammar)');
  link
    .command('show')
    .alias('list')
    .description('every link, or one: show|list [id N | pinned PATH]')
    .argument('[reference...]', 'id N | pinned PATH')
    .action((words: string[]) => context.run('link show', async (options) => {
      const { linkShowOutput } = await import('./link-commands.js');
      process.stdout.write(linkShowOutput(words, options));
    })());
  link
    .command('pin')
    .description('pin a link in bpffs: pin id N PATH | pin pinned PATH PATH')
    .argument('<words...>', 'id N PATH')
    .action((words: string[]) => context.run('link pin', async (options) => {
      const { linkPin } = await import('./link-commands.js');
      process.stdout.write(linkPin(words, options));
    })());
  link
    .command('detach')
    .description('detach a link from its hook: detach id N | detach pinned PATH')
    .argument('<words...>', 'id N | pinned PATH')
    .action((words: string[]) => context.run('link detach', async (options) => {
      const { linkDetach } = await import('./link-commands.js');
      process.stdout.write(linkDetach(words, options));
    })());
}
