#!/usr/bin/env node
/**
 * `tsbpf <object> <command> [arguments]`. `tsbpf --version` answers here, before commander and the
 * object files load (start-up within 1.2x of `node -e 0`, src/cli/startup.test.ts); everything else
 * runs in program.ts.
 */
import { readFileSync } from 'node:fs';

export type { CliContext, CommandAction } from './program.js';

// `tsbpf ... | head`: the reader left, so stop quietly (the kernel objects close with the process)
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (process.stdout.listenerCount('error') > 1) return; // the command handles it (the tour unloads, then says so)
  process.exit(process.exitCode ?? 0);
});

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${manifest.version}\n`);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(argv);
}
