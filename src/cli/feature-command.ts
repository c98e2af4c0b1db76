/** `tsbpf feature probe [kernel]`: what this kernel's BPF supports, as bpftool prints it and more. */
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { UsageError } from './cli-errors.js';

export function registerFeature(program: Command, context: CliContext): void {
  const feature = program.command('feature').description('probe the kernel for BPF features');
  feature
    .command('probe')
    .description('list program types, map types, helpers and misc features the kernel supports')
    .argument('[target]', 'what to probe: kernel (the default)', 'kernel')
    .action((target: string) => context.run('feature probe', async (options) => {
      if (target !== 'kernel') throw new UsageError(`unknown probe target ${JSON.stringify(target)}`, 'probe "kernel"; device probes are not implemented');
      const { featureProbeKernel } = await import('./feature.js'); // the probes load only when asked for
      process.stdout.write(featureProbeKernel({ json: options.json, pretty: options.pretty }));
    })());
}
