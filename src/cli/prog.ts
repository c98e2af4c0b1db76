/**
 * `tsbpf prog`, bpftool's grammar. `load OBJ PATH ...` / `loadall OBJ PATH ...` load an object with
 * tsbpf's loader and pin the first program at PATH (load) or every program under the directory PATH
 * (loadall), optionally replacing maps with pinned ones and pinning the maps. `show|list [PROG]`,
 * `dump xlated|jited PROG ...`, `pin PROG PATH` and `tracelog` inspect the running kernel
 * (src/inspect); their bodies live in prog-inspect.ts and load only when one runs.
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

  for (const verb of ['attach', 'detach'] as const) {
    prog
      .command(verb)
      .description(`${verb} a program without a BPF link, as bpftool prog ${verb}: PROG ATTACH_TYPE [MAP] (sk_msg_verdict, sk_skb_verdict, sk_skb_stream_verdict, sk_skb_stream_parser with a sockmap/sockhash MAP; flow_dissector on this netns)`)
      .argument('<words...>', 'PROG ATTACH_TYPE [MAP]; PROG := id N | pinned FILE | tag T | name N; MAP := id N | pinned FILE | name N')
      .action((words: string[]) => context.run(`prog ${verb}`, async () => {
        const { progAttachCommand } = await import('./prog-attach.js');
        progAttachCommand(words, verb === 'detach');
      })());
  }
  prog
    .command('run')
    .description('load an object, attach what its SEC names place (--attach), and print the events of its ring/perf buffers, decoded from BTF, until Ctrl-C')
    .argument('<object>', 'the BPF object file')
    .option('--attach', 'attach every program whose SEC name says where')
    .option('--event <type>', 'the C type of the events (default: struct event, when the object has one)')
    .option('-d, --duration <seconds>', 'stop after this many seconds', Number)
    .action((object: string, flags: { attach?: boolean; event?: string; duration?: number }) => context.run('prog run', async (options) => {
      const { progRun } = await import('./prog-run.js');
      await progRun(object, { attach: Boolean(flags.attach), json: options.json, ...(flags.event ? { event: flags.event } : {}), ...(flags.duration !== undefined ? { duration: flags.duration } : {}) });
    })());

  const selectorHelp = 'PROG := id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME';
  for (const verb of ['show', 'list']) {
    prog
      .command(verb)
      .description(`show every program, or those PROG selects, as bpftool prog ${verb} does (${selectorHelp})`)
      .argument('[prog...]', selectorHelp)
      .option('--stats', 'turn on BPF run-time statistics for the command and show run count, run time and ns per run')
      .option('--interval <ms>', 'with --stats: keep statistics on this long before reading them')
      .option('--source', 'name the object and C function each program came from, when its BTF says so')
      .option('-f, --bpffs', 'show the bpffs paths each program is pinned at, as bpftool -f does')
      .action((args: string[], flags: { stats?: boolean; interval?: string; source?: boolean; bpffs?: boolean }) => context.run(`prog ${verb}`, async (options) => {
        const { progShow } = await import('./prog-inspect.js');
        await progShow(args, flags, options);
      })());
  }
  prog
    .command('dump')
    .description(`dump a program's instructions: dump xlated PROG [file FILE | opcodes | linum] | dump jited PROG [file FILE | opcodes] (${selectorHelp})`)
    .argument('<kind>', 'xlated or jited')
    .argument('<prog...>', `${selectorHelp}, then keywords`)
    .action((kind: string, args: string[]) => context.run(`prog dump ${kind}`, async (options) => {
      const { progDump } = await import('./prog-inspect.js');
      await progDump(kind, args, options);
    })());
  prog
    .command('pin')
    .description(`pin a program at a bpffs path: pin PROG FILE (${selectorHelp})`)
    .argument('<args...>', 'PROG FILE')
    .action((args: string[]) => context.run('prog pin', async (options) => {
      const { progPin } = await import('./prog-inspect.js');
      await progPin(args, options);
    })());
  prog
    .command('tracelog')
    .description('print bpf_printk output from the trace pipe until Ctrl-C (mounts tracefs when needed)')
    .action(() => context.run('prog tracelog', async (options) => {
      const { progTracelog } = await import('./prog-inspect.js');
      await progTracelog(options);
    })());
}
