/**
 * `tsbpf obj show FILE` and `tsbpf obj disasm FILE [--dialect llvm|bpftool] [--section S] [--source]`:
 * a BPF object file read without the kernel. The reading and the text live in src/object (pure, so a
 * browser can use them); this file only reads the file and prints.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import type { DisassemblyOptions } from '../object/disassemble.js';
import type { CliContext } from './main.js';

function readObjectBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new TsbpfError(`cannot read ${path}: ${code}`, 'check the path and permissions');
  }
}

interface DisasmFlags {
  dialect: 'llvm' | 'bpftool';
  section?: string;
  source?: boolean;
}

export function registerObj(program: Command, context: CliContext): void {
  const obj = program.command('obj').description('read a BPF object file (clang -target bpf -c): its sections and code, no kernel needed');
  obj
    .command('show')
    .description('each ELF section with its BPF role: programs, maps, license, BTF, global data (readelf -S, explained)')
    .argument('<file>', 'the BPF object file')
    .action((file: string) => context.run('obj show', async (options) => {
      const { objShowText } = await import('./obj-output.js'); // the object readers load only when asked for
      process.stdout.write(objShowText(readObjectBytes(file), file, options));
    })());
  obj
    .command('disasm')
    .description('disassemble the code sections (llvm-objdump -d style, or bpftool xlated style)')
    .argument('<file>', 'the BPF object file')
    .addOption(new Option('--dialect <dialect>', 'llvm (llvm-objdump -d --no-show-raw-insn) or bpftool (xlated)').choices(['llvm', 'bpftool']).default('llvm'))
    .option('--section <name>', 'only this code section')
    .option('--source', 'interleave the C source lines from .BTF.ext line_info')
    .action((file: string, flags: DisasmFlags) => context.run('obj disasm', async (options) => {
      const { objDisasmText } = await import('./obj-output.js');
      const disassembly: DisassemblyOptions = { dialect: flags.dialect, source: Boolean(flags.source) };
      if (flags.section !== undefined) disassembly.section = flags.section;
      process.stdout.write(objDisasmText(readObjectBytes(file), file, { ...disassembly, json: options.json, pretty: options.pretty }));
    })());
}
