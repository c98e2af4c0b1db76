/**
 * Command lines the way libbpf-tools' argp reads them: `-x`, grouped switches `-Tx`, `-p 181` and
 * `-p181`, `--pid 181` and `--pid=181`, `--` ending the options, positionals anywhere. Every tool also
 * takes `-h`/`--help`/`-?` (help on stdout, exit 0), `--usage`, and tsbpf's `--json`.
 */
import { ToolUsageError, type ToolDefinition, type ToolOption } from './tool.js';

export interface ParsedArguments {
  /** Switches and values by long name (or the letter when the option has no long name). */
  flags: Map<string, string | true>;
  positionals: string[];
  json: boolean;
}

export type ParseOutcome = { kind: 'run'; args: ParsedArguments } | { kind: 'help'; text: string };

const JSON_OPTION: ToolOption = { long: 'json', description: 'Print one JSON object per line (tsbpf)' };
const HELP_OPTION: ToolOption = { short: '?', long: 'help', description: 'Give this help list' };
const USAGE_OPTION: ToolOption = { long: 'usage', description: 'Give a short usage message' };

function key(option: ToolOption): string {
  return option.long ?? option.short ?? '';
}

export function parseToolArguments(tool: ToolDefinition<unknown>, argv: readonly string[]): ParseOutcome {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  let json = false;
  const byShort = new Map(tool.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const byLong = new Map(tool.options.filter((o) => o.long).map((o) => [o.long!, o]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (name === 'help') return { kind: 'help', text: toolHelp(tool) };
      if (name === 'usage') return { kind: 'help', text: toolUsage(tool) };
      if (name === 'json') {
        json = true;
        continue;
      }
      const matches = [...byLong.keys()].filter((long) => long.startsWith(name));
      const option = byLong.get(name) ?? (matches.length === 1 ? byLong.get(matches[0]!) : undefined);
      if (!option) throw new ToolUsageError(matches.length > 1 ? `option '--${name}' is ambiguous` : `unrecognized option '--${name}'`);
      if (option.argument) {
        let value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new ToolUsageError(`option '--${option.long}' requires an argument`);
        flags.set(key(option), value);
      } else {
        if (eq >= 0) throw new ToolUsageError(`option '--${option.long}' doesn't allow an argument`);
        flags.set(key(option), true);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        if (letter === 'h' && !byShort.has('h')) return { kind: 'help', text: toolHelp(tool) };
        if (letter === '?') return { kind: 'help', text: toolHelp(tool) };
        const option = byShort.get(letter);
        if (!option) throw new ToolUsageError(`invalid option -- '${letter}'`);
        if (option.argument) {
          const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
          if (value === undefined) throw new ToolUsageError(`option requires an argument -- '${letter}'`);
          flags.set(key(option), value);
          break;
        }
        flags.set(key(option), true);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { kind: 'run', args: { flags, positionals, json } };
}

function optionLine(option: ToolOption): string {
  const short = option.short ? `-${option.short}${option.long ? ',' : ''}` : '   ';
  const long = option.long ? ` --${option.long}${option.argument ? `=${option.argument}` : ''}` : option.argument ? ` ${option.argument}` : '';
  const left = `  ${short}${long}`;
  return left.length < 29 ? `${left.padEnd(29)}${option.description}` : `${left}\n${''.padEnd(29)}${option.description}`;
}

/** argp's full help: usage line, summary, the tool's doc, the options, the standard ones. */
export function toolHelp(tool: ToolDefinition<unknown>): string {
  const positionals = (tool.positionals ?? []).map((p) => ` [${p.name}]`).join('');
  const options = [...tool.options, JSON_OPTION].sort((a, b) => key(a).localeCompare(key(b)));
  const lines = [
    `Usage: ${tool.name} [OPTION...]${positionals}`,
    tool.summary,
    '',
    tool.doc.trimEnd(),
    '',
    ...options.map(optionLine),
    ...[HELP_OPTION, USAGE_OPTION].map(optionLine),
  ];
  if (tool.positionals?.length) lines.push('', ...tool.positionals.map((p) => `  ${p.name.padEnd(27)}${p.description}`));
  lines.push('', 'Mandatory or optional arguments to long options are also mandatory or optional', 'for any corresponding short options.');
  return `${lines.join('\n')}\n`;
}

/** argp's short usage: every flag in one bracketed list. */
export function toolUsage(tool: ToolDefinition<unknown>): string {
  const switches = tool.options.filter((o) => o.short && !o.argument).map((o) => o.short).join('');
  const withValues = tool.options.filter((o) => o.short && o.argument).map((o) => ` [-${o.short} ${o.argument}]`).join('');
  const longs = [...tool.options, JSON_OPTION].filter((o) => o.long).map((o) => ` [--${o.long}${o.argument ? `=${o.argument}` : ''}]`).join('');
  const positionals = (tool.positionals ?? []).map((p) => ` [${p.name}]`).join('');
  return `Usage: ${tool.name} [-${switches}?]${withValues}${longs} [--help] [--usage]${positionals}\n`;
}

/** The two lines argp prints after a command line error. */
export function usageHint(tool: ToolDefinition<unknown>): string {
  return `Usage: ${tool.name} [OPTION...]${(tool.positionals ?? []).map((p) => ` [${p.name}]`).join('')}\nTry '${tool.name} --help' or '${tool.name} --usage' for more information.\n`;
}

/** A positive integer flag (strtol rules: digits only), or the tool's own `Invalid X: value` message. */
export function positiveInteger(value: string | true | undefined, what: string, options: { allowZero?: boolean; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const number = /^\s*[+]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || (options.allowZero ? number < 0 : number <= 0) || (options.max !== undefined && number > options.max)) {
    throw new ToolUsageError(`Invalid ${what}: ${text}`);
  }
  return number;
}
