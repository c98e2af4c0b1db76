/**
 * `tsbpf obj lint FILE`: libbpf's section-name rules checked before anyone loads the object (the rules
 * live in src/object/lint.ts, pure). One line per finding, `-j` JSON; exit 1 when libbpf or the kernel
 * would refuse the object, 0 otherwise (warnings and notes alone do not fail).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import type { CliContext } from './main.js';
import { toJson, type OutputOptions } from './output.js';

export interface ObjLintOutput {
  text: string;
  /** 1 when any finding is an error. */
  exitCode: number;
}

/** The command's output for an object's bytes; `file` is the name the lines start with. */
export async function objLintOutput(bytes: Uint8Array, file: string, options: Pick<OutputOptions, 'json' | 'pretty'>): Promise<ObjLintOutput> {
  const { formatLintFindings, hasLintErrors, lintObject } = await import('../object/lint.js'); // the object readers load only when asked for
  const findings = lintObject(bytes);
  const exitCode = hasLintErrors(findings) ? 1 : 0;
  if (options.json) {
    const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
    const value = { file, errors: count('error'), warnings: count('warning'), notes: count('note'), findings };
    return { text: `${toJson(value, options.pretty)}\n`, exitCode };
  }
  return { text: formatLintFindings(file, findings), exitCode };
}

function readObjectBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new TsbpfError(`cannot read ${path}: ${code}`, 'check the path and permissions');
  }
}

/** Adds `lint` to the `obj` command (after registerObj). `write` is where the report goes (stdout). */
export function registerObjLint(program: Command, context: CliContext, write: (text: string) => void = (text) => process.stdout.write(text)): void {
  const obj = program.commands.find((command) => command.name() === 'obj') ?? program.command('obj');
  obj
    .command('lint')
    .description('check SEC names, program symbols, legacy maps and the license against libbpf\'s rules, and say how to fix them')
    .argument('<file>', 'the BPF object file')
    .action((file: string) => context.run('obj lint', async (options) => {
      const output = await objLintOutput(readObjectBytes(file), file, options);
      write(output.text);
      if (output.exitCode !== 0) process.exitCode = output.exitCode;
    })());
}
