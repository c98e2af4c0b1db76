/**
 * `tsbpf cgroup show|list CGROUP [effective]` and `tsbpf cgroup tree [ROOT] [effective]`: programs on
 * cgroups (v2), as bpftool prints them. The work is in src/inspect/cgroups.ts, loaded when a command runs.
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { UsageError } from './cli-errors.js';

/** The words after the cgroup: nothing or `effective` (bpftool accepts any prefix of it, once). */
function parseEffective(words: readonly string[]): boolean {
  let effective = false;
  for (const word of words) {
    if (word.length === 0 || !'effective'.startsWith(word)) throw new UsageError(`expected no more arguments, 'effective', got: ${JSON.stringify(word)}`, 'e.g. tsbpf cgroup show /sys/fs/cgroup/unified effective');
    if (effective) throw new UsageError(`duplicated argument: ${word}`, 'give effective once');
    effective = true;
  }
  return effective;
}

export function registerCgroup(program: Command, context: CliContext): void {
  const cgroup = program.command('cgroup').description('BPF programs attached to cgroups (v2): show|list, tree');
  cgroup
    .command('show')
    .alias('list')
    .description('the programs attached to one cgroup: show CGROUP [effective]')
    .argument('<cgroup>', 'a cgroup v2 directory')
    .argument('[effective...]', 'effective: the programs in effect, inherited ones too')
    .action((path: string, rest: string[]) => context.run('cgroup show', async (options) => {
      const effective = parseEffective(rest);
      const { cgroupPrograms } = await import('../inspect/cgroups.js');
      const { cgroupProgramJson, cgroupShowText } = await import('../inspect/cgroups-text.js');
      const attachments = cgroupPrograms(path, { effective });
      if (!options.json) process.stdout.write(cgroupShowText(attachments, effective));
      else if (attachments) {
        const { toJson } = await import('./output.js');
        process.stdout.write(`${toJson(attachments.programs.map((entry) => cgroupProgramJson(entry, effective)), options.pretty)}\n`);
      } else {
        process.stdout.write('\n'); // bpftool's JSON writer ends with a newline even when it wrote nothing
      }
    })());
  cgroup
    .command('tree')
    .description('every cgroup below ROOT (default: the cgroup v2 mount) with programs: tree [ROOT] [effective]')
    .argument('[root]', 'where to start')
    .argument('[effective...]', 'effective: the programs in effect, inherited ones too')
    .action((root: string | undefined, rest: string[]) => context.run('cgroup tree', async (options) => {
      const effective = parseEffective(rest);
      const { cgroupTree } = await import('../inspect/cgroups.js');
      const { cgroupTreeJson, cgroupTreeText } = await import('../inspect/cgroups-text.js');
      const tree = cgroupTree(root, { effective });
      if (!options.json) {
        process.stdout.write(cgroupTreeText(tree, effective));
        return;
      }
      const { toJson } = await import('./output.js');
      process.stdout.write(`${toJson(cgroupTreeJson(tree, effective), options.pretty)}\n`);
    })());
}
