/** `tsbpf perf list|show`: BPF programs attached through perf events and raw tracepoints, as bpftool lists them. */
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { UsageError } from './cli-errors.js';

export function registerPerf(program: Command, context: CliContext): void {
  const perf = program.command('perf').description('BPF programs attached to perf events (tracepoints, kprobes, uprobes) and raw tracepoints');
  perf
    .command('show')
    .alias('list')
    .description('every process fd that attaches a BPF program: pid, fd, program id, and where')
    .argument('[extra...]')
    .action((extra: string[]) => context.run('perf show', async (options) => {
      if (extra.length > 0) throw new UsageError(`unexpected arguments ${JSON.stringify(extra.join(' '))}`, 'perf list takes no arguments');
      const { listPerfAttachments } = await import('../inspect/perf.js');
      const { perfJson, perfText } = await import('../inspect/perf-text.js');
      const { toJson } = await import('./output.js');
      const attachments = listPerfAttachments();
      process.stdout.write(options.json ? `${toJson(attachments.map(perfJson), options.pretty)}\n` : attachments.map(perfText).join(''));
    })());
}
