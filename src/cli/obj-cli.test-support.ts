/**
 * A test-only `tsbpf` with just the `obj` commands and main.ts's error policy, so obj.test.ts can check
 * exit statuses and one-line errors in a subprocess whether or not main.ts wires `obj` yet.
 */
import { Command, CommanderError, Option } from 'commander';
import { exitCodeFor, formatError } from './cli-errors.js';
import type { CliContext } from './main.js';
import type { OutputOptions } from './output.js';
import { registerObj } from './obj.js';

const program = new Command('tsbpf')
  .addOption(new Option('-j, --json'))
  .addOption(new Option('-p, --pretty'))
  .addOption(new Option('--debug'))
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `tsbpf: ${text.slice('error: '.length)}` : text) });
const context: CliContext = {
  run(what, action) {
    return async () => {
      const globals = program.opts<{ json?: boolean; pretty?: boolean; debug?: boolean }>();
      const options: OutputOptions = { json: Boolean(globals.json || globals.pretty), pretty: Boolean(globals.pretty), debug: Boolean(globals.debug) };
      try {
        await action(options);
      } catch (error) {
        process.stderr.write(`${formatError(what, error)}\n`);
        process.exitCode = exitCodeFor(error);
      }
    };
  },
};
registerObj(program, context);
for (const command of program.commands) command.exitOverride();
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
}
