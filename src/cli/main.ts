#!/usr/bin/env node
/**
 * `tsbpf <object> <command> [arguments]`. `tsbpf --version` answers here, before commander and the
 * object files load (start-up within 1.2x of `node -e 0`, src/cli/startup.test.ts), as does
 * `tsbpf btf dump file F format c` (a one-shot timed against bpftool); everything else runs in program.ts.
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
} else if (argv.length === 6 && argv[0] === 'btf' && argv[1] === 'dump' && argv[2] === 'file' && !argv[3]!.startsWith('-') && argv[4] === 'format' && argv[5] === 'c') {
  // bpftool's vmlinux.h command, a one-shot whose start-up is most of its time: no commander (btf.ts)
  process.exitCode = await (await import('./btf.js')).dumpFileAsC(argv[3]!);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(argv);
}
