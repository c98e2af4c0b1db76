/**
 * `tsbpf net list|show [dev NAME]`: XDP, tc and flow dissector programs of this network namespace, as bpftool
 * lists them; `net attach|detach ATTACH_TYPE ...`: XDP over netlink, as bpftool attaches it (net-attach.ts).
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { UsageError } from './cli-errors.js';

export function registerNet(program: Command, context: CliContext): void {
  const net = program.command('net').description('BPF programs on network devices (xdp, tc) and the flow dissector of this namespace');
  net
    .command('show')
    .alias('list')
    .description('every attachment, or one device\'s: show|list [dev NAME]')
    .argument('[words...]', 'dev NAME')
    .action((words: string[]) => context.run('net show', async (options) => {
      if (words.length !== 0 && (words.length !== 2 || words[0] !== 'dev')) {
        throw new UsageError(`expected 'dev NAME', got ${JSON.stringify(words.join(' '))}`, 'e.g. tsbpf net list dev eth0');
      }
      const { listNetAttachments } = await import('../inspect/net.js');
      const { netJson, netText } = await import('../inspect/net-text.js');
      const attachments = listNetAttachments(words.length === 2 ? { device: words[1]! } : {});
      if (!options.json) {
        process.stdout.write(netText(attachments));
        return;
      }
      const { toJson } = await import('./output.js');
      process.stdout.write(`${toJson(netJson(attachments), options.pretty)}\n`);
    })());
  net
    .command('attach')
    .description('attach an XDP program to a device over netlink, as bpftool net attach (it stays after tsbpf exits): ATTACH_TYPE PROG dev NAME [overwrite]; ATTACH_TYPE := xdp | xdpgeneric | xdpdrv | xdpoffload')
    .argument('[words...]', 'ATTACH_TYPE PROG dev NAME [overwrite]; PROG := id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME')
    .action((words: string[]) => context.run('net attach', async (options) => {
      const { netAttachCommand } = await import('./net-attach.js');
      netAttachCommand(words, options);
    })());
  net
    .command('detach')
    .description('detach the XDP program of a device, as bpftool net detach: ATTACH_TYPE dev NAME')
    .argument('[words...]', 'ATTACH_TYPE dev NAME')
    .action((words: string[]) => context.run('net detach', async (options) => {
      const { netDetachCommand } = await import('./net-attach.js');
      netDetachCommand(words, options);
    })());
}
