/**
 * `tsbpf map ...`: bpftool's map commands with bpftool's words (`show id 7`, `lookup pinned P key 1 0 0 0`,
 * `update id 7 key hex 01 00 00 00 value 2 0 0 0 noexist`). The bodies live in map-commands.ts, imported
 * when a map command runs, so other commands do not pay for them.
 */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

type MapCommandName = 'show' | 'dump' | 'lookup' | 'update' | 'delete' | 'getnext' | 'pin' | 'freeze' | 'create';

const COMMANDS: readonly { name: MapCommandName; alias?: string; usage: string; description: string }[] = [
  { name: 'show', alias: 'list', usage: '[id N | pinned FILE | name NAME]', description: 'every map, or the one named, as bpftool map show prints them' },
  { name: 'dump', usage: 'id N | pinned FILE | name NAME', description: 'every element: values formatted from the map\'s BTF, hex bytes without it' },
  { name: 'lookup', usage: 'MAP [key [hex] BYTES]', description: 'the value at a key (bytes as C numbers: key 0x01 0 0 0, or key hex 01 00 00 00)' },
  { name: 'update', usage: 'MAP [key BYTES] [value BYTES | value id N | value pinned FILE] [any|exist|noexist]', description: 'write an element (prog arrays and maps of maps take a program or map as the value)' },
  { name: 'delete', usage: 'MAP key BYTES', description: 'delete the element at a key' },
  { name: 'getnext', usage: 'MAP [key BYTES]', description: 'the key after a key (the first key without one)' },
  { name: 'pin', usage: 'MAP FILE', description: 'pin the map in bpffs' },
  { name: 'freeze', usage: 'MAP', description: 'make the map read-only for user space' },
  { name: 'create', usage: 'FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES name NAME [flags FLAGS] [inner_map MAP] [dev NAME]', description: 'create a map and pin it at FILE' },
];

export function registerMap(program: Command, context: CliContext): void {
  const map = program.command('map').description('inspect and edit the kernel\'s BPF maps (bpftool map)');
  for (const spec of COMMANDS) {
    const command = map
      .command(spec.name)
      .description(`${spec.description}\n  tsbpf map ${spec.alias ?? spec.name} ${spec.usage}`)
      .argument('[words...]', spec.usage)
      .allowUnknownOption()
      .action((words: string[]) => context.run(`map ${spec.name}`, async (options) => {
        const { runMapCommand } = await import('./map-commands.js'); // map code loads only for map commands
        await runMapCommand(spec.name, words, options);
      })());
    if (spec.alias) command.alias(spec.alias);
  }
}
