/**
 * `tsbpf btf list|show [id N]`, `tsbpf btf dump file PATH [format raw|c]` and `tsbpf btf dump id N [format raw|c]`, with
 * `-B/--base-btf PATH` for split BTF, as bpftool has them. PATH is raw BTF (/sys/kernel/btf/*) or an
 * ELF object with a .BTF section; `id` reads a BTF object from the kernel, whose base, for module
 * BTF, is vmlinux.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { Btf } from '../btf/btf.js';
import { TsbpfError } from '../errors.js';
import type { CliContext } from './main.js';
import { exitCodeFor, formatError, UsageError } from './cli-errors.js';
import { toJson } from './output.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/**
 * A file's bytes. Kernel BTF may be mapped rather than read (through the kernel boundary, loaded only
 * then); `map` false reads it: the C dump copies every record and touches every name anyway, and
 * loading the FFI layer cost more (~15 ms) than the read saves.
 */
async function readPath(path: string, map = true): Promise<Uint8Array> {
  try {
    if (!map || !path.startsWith('/sys/kernel/btf/')) return readFileSync(path);
    const { isKernelBtfPath, readKernelBtfFile } = await import('../sys/kernel-btf-file.js');
    return isKernelBtfPath(path) ? readKernelBtfFile(path) : readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new TsbpfError(`cannot read ${path}: ${code}`, 'check the path and permissions');
  }
}

// The ELF reader, the kernel boundary and the two dumpers load only when a command needs them:
// process start-up is most of a one-shot dump's time.

/** Raw BTF from a file: the file itself, or the .BTF section of an ELF object. */
async function btfBytesOf(path: string, map: boolean): Promise<Uint8Array> {
  const bytes = await readPath(path, map);
  if (!ELF_MAGIC.every((byte, i) => bytes[i] === byte)) return bytes;
  const { parseElf } = await import('../elf/index.js');
  const section = parseElf(bytes).sectionByName('.BTF');
  if (!section) throw new TsbpfError(`${path} has no .BTF section`, 'compile the object with clang -g to get BTF');
  return section.data;
}

async function parseFile(path: string, base: Btf | undefined, map: boolean): Promise<Btf> {
  return Btf.parse(await btfBytesOf(path, map), base ? { base } : {});
}

interface DumpFlags {
  baseBtf?: string;
}

async function dump(btf: Btf, format: string, json: boolean, pretty: boolean): Promise<void> {
  if (format === 'raw') {
    const { btfRawJson, formatBtfRaw } = await import('../btf/dump-raw.js');
    process.stdout.write(json ? `${toJson(btfRawJson(btf), pretty)}\n` : formatBtfRaw(btf));
    return;
  }
  if (json) throw new UsageError('format c has no JSON output', 'drop -j, or use format raw');
  // A one-shot dump of vmlinux spends more of its time in V8's optimising compiler than in optimised
  // code: the dumper's mutually recursive writers inline into each other and make large, slow
  // compilations. A smaller inlining budget, set here before the dumper is compiled and only for
  // this process, took the command's CPU time from ~500 to ~440 ms (median of 9 alternating runs).
  (await import('node:v8')).setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  const { formatBtfAsCBytes } = await import('../btf/dump-c.js');
  process.stdout.write(formatBtfAsCBytes(btf));
}

/**
 * `tsbpf btf dump file PATH format c` with no other words, as main.ts runs it without commander (whose
 * loading is ~17 ms of the command's start-up): the same output, error line and exit status as the
 * command registered below.
 */
export async function dumpFileAsC(path: string): Promise<number> {
  try {
    await dump(await parseFile(path, undefined, false), 'c', false, false);
    return 0;
  } catch (error) {
    process.stderr.write(`${formatError('btf dump', error)}\n`);
    return exitCodeFor(error);
  }
}

export function registerBtf(program: Command, context: CliContext): void {
  const btf = program.command('btf').description('inspect BTF (type information)');
  btf
    .command('show')
    .alias('list')
    .description('the kernel\'s BTF objects with the programs and maps using each, as bpftool: show|list [id N]')
    .argument('[reference...]', 'id N')
    .action((words: string[]) => context.run('btf show', async (options) => {
      const { btfListOutput } = await import('./btf-list.js');
      process.stdout.write(btfListOutput(words, options));
    })());
  btf
    .command('dump')
    .description('dump BTF as bpftool does: dump file PATH | id N [format raw|c]')
    .argument('<source>', 'file or id')
    .argument('<target>', 'the path (file) or the BTF object id (id)')
    .argument('[format...]', 'format raw (the default) or format c')
    .option('-B, --base-btf <path>', 'the base BTF for split BTF (a module\'s BTF on vmlinux)')
    .action((source: string, target: string, rest: string[], flags: DumpFlags) => context.run('btf dump', async (options) => {
      let format = 'raw';
      if (rest.length > 0) {
        if (rest[0] !== 'format' || rest.length !== 2 || (rest[1] !== 'raw' && rest[1] !== 'c')) {
          throw new UsageError(`unexpected arguments ${JSON.stringify(rest.join(' '))}`, 'use "format raw" or "format c"');
        }
        format = rest[1];
      }
      const map = format !== 'c';
      const base = flags.baseBtf ? await parseFile(flags.baseBtf, undefined, map) : undefined;
      let parsed: Btf;
      if (source === 'file') {
        parsed = await parseFile(target, base, map);
      } else if (source === 'id') {
        const id = Number(target);
        if (!Number.isInteger(id) || id <= 0) throw new UsageError(`${JSON.stringify(target)} is not a BTF object id`, 'give a positive integer, e.g. from bpftool btf list');
        const { BtfObject } = await import('../info/btf-object.js');
        using object = BtfObject.fromId(id);
        const info = object.info();
        // module BTF from the kernel is split on vmlinux; bpftool loads that base itself
        const kernelBase = base ?? (info.kernelBtf && info.name !== 'vmlinux' ? Btf.parse(await readPath(VMLINUX, map)) : undefined);
        parsed = Btf.parse(object.data(), kernelBase ? { base: kernelBase } : {});
      } else {
        throw new UsageError(`unknown BTF source ${JSON.stringify(source)}`, 'use "file PATH" or "id N"');
      }
      await dump(parsed, format, options.json, options.pretty);
    })());
}
