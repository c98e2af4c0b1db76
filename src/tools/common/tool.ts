/**
 * What a tool is: its name, its argp-style flags and help text (libbpf-tools' own, so an operator's habits
 * carry over), and `run`, which does the work and returns the exit status. src/tools/index.ts lists them;
 * `tsbpf NAME ARGS` and runTool() run one.
 */
import type { ParsedArguments } from './arguments.js';
import type { ToolOutput } from './output.js';

export interface ToolOption {
  /** The short flag's letter (`p` for `-p`). */
  short?: string;
  /** The long flag's name (`pid` for `--pid`). */
  long?: string;
  /** The value's name in the help (`PID`); none for a switch. */
  argument?: string;
  description: string;
}

export interface ToolPositional {
  name: string;
  description: string;
}

export interface ToolContext {
  /** Buffered standard output: written in batches, flushed when the tool returns. */
  out: ToolOutput;
  /** Standard error, unbuffered. */
  err: (text: string) => void;
  /** Aborted by SIGINT, SIGTERM, or `stopAfter`. */
  signal: AbortSignal;
  /** Ends the run after `seconds` (the tools' -d / interval handling). */
  stopAfter(seconds: number): void;
  /** `--json`: one JSON object per line instead of columns. */
  json: boolean;
}

export interface ToolDefinition<Flags = unknown> {
  name: string;
  /** One line: what the tool traces. */
  summary: string;
  /** The `USAGE:` line(s) and EXAMPLES, as libbpf-tools prints them under the summary. */
  doc: string;
  options: ToolOption[];
  positionals?: ToolPositional[];
  /** Turns the parsed command line into the tool's flags; throws ToolUsageError on a bad value. */
  parse(args: ParsedArguments): Flags;
  run(flags: Flags, context: ToolContext): Promise<number>;
}

/** A bad command line: the message, then the usage hint; exit status 2. */
export class ToolUsageError extends Error {
  override readonly name = 'ToolUsageError';
}

/** Defines a tool with its flags type inferred from `parse`. */
export function defineTool<Flags>(definition: ToolDefinition<Flags>): ToolDefinition<Flags> {
  return definition;
}
