/**
 * `tsbpf TOOL [FLAGS]`: the tracing tools (src/tools). Each parses its own command line the way
 * libbpf-tools' argp does, so `tsbpf opensnoop -Tx -p 181` means what `opensnoop -Tx -p 181` means;
 * commander only lists them in `tsbpf --help`.
 */
import type { Command } from 'commander';
import { loadTool, TOOLS } from '../tools/index.js';

export function isToolName(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(TOOLS, name);
}

export async function runToolCommand(argv: readonly string[]): Promise<number> {
  const [tool, { runTool }] = await Promise.all([loadTool(argv[0]!), import('../tools/common/run-tool.js')]);
  return runTool(tool, argv.slice(1));
}

/** Lists the tools in `tsbpf --help` (main() runs them before commander sees the command line). */
export function registerTools(program: Command): void {
  for (const [name, summary] of Object.entries(TOOLS)) {
    program.command(name).description(`${summary} (libbpf-tools' flags; tsbpf ${name} --help)`).allowUnknownOption().helpOption(false).argument('[flags...]');
  }
}
