/**
 * How the CLI fails: one line on stderr, `tsbpf: <what failed>: <why>; <what to do>`, exit 1 for a
 * failure and 2 for a usage error, a stack trace only with --debug.
 */
import { TsbpfError } from '../errors.js';

export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** The command line itself is wrong: unknown command, missing or malformed argument. */
export class UsageError extends TsbpfError {}

export function formatError(what: string, error: unknown): string {
  if (error instanceof TsbpfError) {
    return `tsbpf: ${what}: ${error.message}${error.hint ? `; ${error.hint}` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `tsbpf: ${what}: ${message}; this is a bug in tsbpf, please report it with the output of --debug`;
}

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? ExitCode.USAGE : ExitCode.FAILURE;
}
