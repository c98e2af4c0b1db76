/**
 * `tsbpf prog load OBJ PATH ...` and `tsbpf prog loadall OBJ PATH ...`, bpftool's grammar: load an
 * object with tsbpf's loader and pin the first program at PATH (load) or every program under the
 * directory PATH (loadall), optionally replacing maps with pinned ones and pinning the maps.
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

export function registerProg(program: Command, context: CliContext): void {
  const prog = program.command('prog').description('load, pin and inspect BPF programs');
  const keywords = 'type TYPE | map { idx IDX | name NAME } PINNED_PATH | pinmaps MAP_DIR';
  prog
    .command('load')
    .description(`load every program of an object and pin the first one at PATH (${keywords})`)
    .argument('<object>', 'the BPF object file (clang -target bpf -g -c)')
    .argument('<path>', 'the bpffs path to pin the first program at')
    .argument('[keywords...]', keywords)
    .action((object: string, path: string, rest: string[]) => context.run('prog load', async (options) => {
      const { progLoad } = await import('./prog-load.js'); // the loader loads only when asked for
      await progLoad(object, path, rest, { all: false, debug: options.debug });
    })());
  prog
    .command('loadall')
    .description(`load every program of an object and pin each at PATH/<program name> (${keywords})`)
    .argument('<object>', 'the BPF object file (clang -target bpf -g -c)')
    .argument('<path>', 'the bpffs directory to pin the programs in')
    .argument('[keywords...]', keywords)
    .action((object: string, path: string, rest: string[]) => context.run('prog loadall', async (options) => {
      const { progLoad } = await import('./prog-load.js');
      await progLoad(object, path, rest, { all: true, debug: options.debug });
    })());
}
