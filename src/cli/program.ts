/**
 * The CLI program behind main.ts: `tsbpf <object> <command> [arguments]`, bpftool's grammar. This file only wires objects to the
 * library: each object's commands live in their own file (feature.ts, demo.ts, ...), and every command
 * runs through `runCommand`, which turns errors into one line and an exit status.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, exitCodeFor, formatError, UsageError } from './cli-errors.js';
import { toJson, type OutputOptions } from './output.js';
import { isToolName, registerTools, runToolCommand } from './tools.js';

export type CommandAction = (options: OutputOptions) => void | Promise<void>;

/** What each object file gets: a way to run an action with the global options and the error policy. */
export interface CliContext {
  run(what: string, action: CommandAction): () => Promise<void>;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

type Register = (program: Command, context: CliContext) => void;

/**
 * Each object's commands, loaded only when the command line names that object (`tsbpf btf dump` loads
 * the BTF commands, not the loader, the inspectors and the FFI); help and unknown objects load them all.
 */
const OBJECTS: Readonly<Record<string, () => Promise<Register[]>>> = {
  feature: async () => [(await import('./feature-command.js')).registerFeature],
  obj: async () => [(await import('./obj.js')).registerObj, (await import('./obj-lint.js')).registerObjLint],
  btf: async () => [(await import('./btf.js')).registerBtf],
  prog: async () => [(await import('./prog.js')).registerProg],
  map: async () => [(await import('./map.js')).registerMap],
  link: async () => [(await import('./link.js')).registerLink],
  struct_ops: async () => [(await import('./struct-ops.js')).registerStructOps],
  net: async () => [(await import('./net.js')).registerNet],
  cgroup: async () => [(await import('./cgroup.js')).registerCgroup],
  perf: async () => [(await import('./perf.js')).registerPerf],
  demo: async () => [(await import('./demo-command.js')).registerDemo],
  tour: async () => [(await import('./tour.js')).registerTour],
};

/** The object the command line names: its first word that is not a global option. */
function namedObject(argv: readonly string[]): string | undefined {
  const word = argv.find((arg) => !arg.startsWith('-'));
  return word !== undefined && Object.hasOwn(OBJECTS, word) ? word : undefined;
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const named = namedObject(argv);
  const registers = (await Promise.all((named ? [named] : Object.keys(OBJECTS)).map((name) => OBJECTS[name]!()))).flat();
  const program = new Command('tsbpf')
    .description('eBPF for TypeScript: inspect and drive BPF programs and maps (bpftool\'s grammar: tsbpf OBJECT COMMAND)')
    .version(packageVersion(), '-V, --version', 'print the tsbpf version')
    .addOption(new Option('-j, --json', 'print JSON (bpftool\'s keys)'))
    .addOption(new Option('-p, --pretty', 'print pretty JSON (implies --json)'))
    .addOption(new Option('-f, --bpffs', 'show where programs, maps and links are pinned in bpffs (bpftool -f)'))
    .addOption(new Option('--debug', 'print stack traces and kernel logs on failure'))
    .showHelpAfterError('(run tsbpf --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `tsbpf: ${text.slice('error: '.length)}` : text) });

  const context: CliContext = {
    run(what, action) {
      return async () => {
        const globals = program.opts<{ json?: boolean; pretty?: boolean; debug?: boolean; bpffs?: boolean }>();
        const options: OutputOptions = { json: Boolean(globals.json || globals.pretty), pretty: Boolean(globals.pretty), debug: Boolean(globals.debug), bpffs: Boolean(globals.bpffs) };
        try {
          await action(options);
        } catch (error) {
          const line = formatError(what, error);
          process.stderr.write(`${line}\n`);
          // bpftool answers -j/-p with {"error": "..."} on stdout; scripts that read its JSON read ours
          if (options.json) process.stdout.write(`${toJson({ error: line.slice('tsbpf: '.length) }, options.pretty)}\n`);
          if (options.debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
          process.exitCode = exitCodeFor(error);
        }
      };
    },
  };
  for (const register of registers) register(program, context);
  if (!named) registerTools(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError('(run tsbpf --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<number> {
  if (isToolName(argv[0])) return runToolCommand(argv);
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; everything else commander refuses is a usage error
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    process.stderr.write(`${formatError('command line', error instanceof UsageError ? error : error)}\n`);
    return exitCodeFor(error);
  }
}

