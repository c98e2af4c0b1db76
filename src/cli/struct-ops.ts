/**
 * `tsbpf struct_ops show|list [id N | name NAME]`, `register OBJ [LINK_DIR]`, `unregister id N | name NAME`:
 * bpftool's struct_ops commands. The work happens in struct-ops-commands.ts, loaded only when one runs.
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

export function registerStructOps(program: Command, context: CliContext): void {
  const structOps = program.command('struct_ops').description('struct_ops maps: show|list, register, unregister (bpftool\'s grammar)');
  structOps
    .command('show')
    .alias('list')
    .description('every struct_ops map, or some: show|list [id N | name NAME]')
    .argument('[reference...]', 'id N | name NAME')
    .action((words: string[]) => context.run('struct_ops show', async (options) => {
      const { structOpsShowOutput } = await import('./struct-ops-commands.js');
      process.stdout.write(structOpsShowOutput(words, options));
    })());
  structOps
    .command('register')
    .description('load an object and register its struct_ops maps: register OBJ [LINK_DIR]')
    .argument('<words...>', 'OBJ [LINK_DIR]')
    .action((words: string[]) => context.run('struct_ops register', async (options) => {
      const { structOpsRegister } = await import('./struct-ops-commands.js');
      process.stdout.write(await structOpsRegister(words, options));
    })());
  structOps
    .command('unregister')
    .description('unregister struct_ops maps: unregister id N | name NAME')
    .argument('<words...>', 'id N | name NAME')
    .action((words: string[]) => context.run('struct_ops unregister', async (options) => {
      const { structOpsUnregister } = await import('./struct-ops-commands.js');
      process.stdout.write(structOpsUnregister(words, options));
    })());
}
