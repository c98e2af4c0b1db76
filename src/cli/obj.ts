/**
 * `tsbpf obj show FILE` and `tsbpf obj disasm FILE [--dialect llvm|bpftool] [--section S] [--source]`:
 * a BPF object file read without the kernel. The reading and the text live in src/object (pure, so a
 * browser can use them); this file only reads the file and prints.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import { codeSections, disassembleObject, type DisassemblyOptions } from '../object/disassemble.js';
import { readObjectParts, summarize } from '../object/object-file.js';
import { formatObjectSummary } from '../object/object-text.js';
import type { CliContext } from './main.js';
import { toJson } from './output.js';

function readObjectBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new TsbpfError(`cannot read ${path}: ${code}`, 'check the path and permissions');
  }
}

/** `obj show` output for an object's bytes: the text, or the JSON document with the same data. */
export function objShowText(bytes: Uint8Array, path: string, options: { json?: boolean; pretty?: boolean } = {}): string {
  const summary = summarize(readObjectParts(bytes));
  if (options.json || options.pretty) return `${toJson({ file: path, ...summary }, Boolean(options.pretty))}\n`;
  return formatObjectSummary(summary, path);
}

/** `obj disasm` output; JSON gives the same lines in an array. */
export function objDisasmText(bytes: Uint8Array, path: string, options: DisassemblyOptions & { json?: boolean; pretty?: boolean } = {}): string {
  const parts = readObjectParts(bytes);
  const text = disassembleObject(parts, { ...options, path });
  if (!options.json && !options.pretty) return text;
  const sections = codeSections(parts.elf).map((section) => section.name);
  return `${toJson({ file: path, dialect: options.dialect ?? 'llvm', sections, lines: text.replace(/\n$/, '').split('\n') }, Boolean(options.pretty))}\n`;
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
    .action((file: string) => context.run('obj show', (options) => {
      process.stdout.write(objShowText(readObjectBytes(file), file, options));
    })());
  obj
    .command('disasm')
    .description('disassemble the code sections (llvm-objdump -d style, or bpftool xlated style)')
    .argument('<file>', 'the BPF object file')
    .addOption(new Option('--dialect <dialect>', 'llvm (llvm-objdump -d --no-show-raw-insn) or bpftool (xlated)').choices(['llvm', 'bpftool']).default('llvm'))
    .option('--section <name>', 'only this code section')
    .option('--source', 'interleave the C source lines from .BTF.ext line_info')
    .action((file: string, flags: DisasmFlags) => context.run('obj disasm', (options) => {
      const disassembly: DisassemblyOptions = { dialect: flags.dialect, source: Boolean(flags.source) };
      if (flags.section !== undefined) disassembly.section = flags.section;
      process.stdout.write(objDisasmText(readObjectBytes(file), file, { ...disassembly, json: options.json, pretty: options.pretty }));
    })());
}
