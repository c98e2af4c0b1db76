/**
 * A tool's compiled BPF object, found beside its front end (the build puts `NAME.bpf.o` next to
 * `NAME.js`, and the npm package ships both), opened as a spec the tool adjusts before load.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { link, NotSupportedError, openObject, TsbpfError, type ObjectSpec } from '../../index.js';

/** The package was not built: the tool's compiled object is missing. */
export class ToolObjectMissingError extends TsbpfError {}

export async function openToolObject(moduleUrl: string, name: string): Promise<ObjectSpec> {
  const path = fileURLToPath(new URL(`./${name}.bpf.o`, moduleUrl));
  if (!existsSync(path)) throw new ToolObjectMissingError(`${name}'s BPF object ${path} is missing`, 'build the package (npm run build), which compiles the tools\' BPF C');
  return openObject(path);
}

export function tracepointExists(category: string, name: string): boolean {
  try {
    link.tracepointId(category, name);
    return true;
  } catch (error) {
    if (error instanceof NotSupportedError) return false;
    throw error;
  }
}

/**
 * Turns off the programs whose tracepoint this kernel lacks (arm64 has no sys_enter_open; openat2 came in
 * 5.6), as libbpf-tools does with bpf_program__set_autoload. Returns their names.
 */
export function skipMissingTracepoints(spec: ObjectSpec): string[] {
  const skipped: string[] = [];
  for (const program of spec.programs) {
    const match = /^(?:tracepoint|tp)\/([^/]+)\/([^/]+)$/.exec(program.section);
    if (match && program.autoload && !tracepointExists(match[1]!, match[2]!)) {
      program.autoload = false;
      skipped.push(program.name);
    }
  }
  return skipped;
}
