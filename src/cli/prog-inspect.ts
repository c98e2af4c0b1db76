/**
 * The bodies of `tsbpf prog show|list|dump|pin|tracelog`, imported only when one of them runs. Parsing
 * bpftool's PROG grammar (`id N | pinned P | tag T | name N`) and printing; the work is src/inspect.
 */
import type { ProgramDetails, ProgramSelector } from '../inspect/programs.js';
import { UsageError } from './cli-errors.js';
import { toJson, type OutputOptions } from './output.js';

const PROG_HELP = 'PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }';

/** Reads a PROG selector from the front of `args`; returns it and what follows. */
export function parseSelector(args: readonly string[]): { selector: ProgramSelector; rest: string[] } {
  const [keyword, value, ...rest] = args;
  if (keyword === undefined) throw new UsageError('expected a program', PROG_HELP);
  if (value === undefined) throw new UsageError(`expected a value after ${JSON.stringify(keyword)}`, PROG_HELP);
  switch (keyword) {
    case 'id': {
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`can't parse ${JSON.stringify(value)} as ID`, 'a program id is a decimal number, e.g. from tsbpf prog list');
      return { selector: { kind: 'id', id: Number(value) }, rest };
    }
    case 'pinned': return { selector: { kind: 'pinned', path: value }, rest };
    case 'tag': {
      if (!/^[0-9a-fA-F]{16}$/.test(value)) throw new UsageError(`can't parse tag ${JSON.stringify(value)}`, 'a tag is 16 hex digits, as tsbpf prog list prints it');
      return { selector: { kind: 'tag', tag: value }, rest };
    }
    case 'name': return { selector: { kind: 'name', name: value }, rest };
    default: throw new UsageError(`expected 'id', 'tag', 'name' or 'pinned', got: ${JSON.stringify(keyword)}`, PROG_HELP);
  }
}

export interface ShowFlags {
  stats?: boolean;
  interval?: string;
  source?: boolean;
  bpffs?: boolean;
}

function print(text: string): void {
  process.stdout.write(text);
}

export async function progShow(args: readonly string[], flags: ShowFlags, output: OutputOptions): Promise<void> {
  const selector = args.length > 0 ? parseSelector(args) : undefined;
  if (selector && selector.rest.length > 0) throw new UsageError(`unexpected arguments ${JSON.stringify(selector.rest.join(' '))}`, 'prog show takes one PROG');
  const interval = flags.interval === undefined ? 0 : Number(flags.interval);
  if (!Number.isInteger(interval) || interval < 0) throw new UsageError(`--interval wants milliseconds, got ${JSON.stringify(flags.interval)}`, 'e.g. --interval 1000');
  const options = { source: Boolean(flags.source), pinned: Boolean(flags.bpffs || output.bpffs) };
  let list: ProgramDetails[];
  if (flags.stats) {
    const { programsWithStats } = await import('../inspect/program-stats.js');
    list = await programsWithStats(selector?.selector, { ...options, intervalMs: interval });
  } else {
    const { listPrograms, selectedPrograms } = await import('../inspect/programs.js');
    list = selector ? selectedPrograms(selector.selector, options) : listPrograms(options);
  }
  const { formatProgramText, programJson } = await import('../inspect/program-text.js');
  if (output.json) {
    // bpftool prints a bare object for one selected program, an array for a listing or several matches
    const objects = list.map(programJson);
    print(`${toJson(selector && objects.length === 1 ? objects[0] : objects, output.pretty)}\n`);
    return;
  }
  print(list.map(formatProgramText).join(''));
}

export async function progDump(kind: string, args: readonly string[], output: OutputOptions): Promise<void> {
  if (kind !== 'xlated' && kind !== 'jited') throw new UsageError(`expected 'xlated' or 'jited', got: ${JSON.stringify(kind)}`, 'tsbpf prog dump xlated PROG | tsbpf prog dump jited PROG');
  const { selector, rest } = parseSelector(args);
  let file: string | undefined;
  let opcodes = false;
  let linum = false;
  let visual = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === 'file') {
      file = rest[++i];
      if (file === undefined) throw new UsageError('expected file path', 'prog dump xlated PROG file FILE');
    } else if (word === 'opcodes') opcodes = true;
    else if (word === 'linum') linum = true;
    else if (word === 'visual' && kind === 'xlated') visual = true;
    else throw new UsageError(`unexpected argument ${JSON.stringify(word)}`, `use file FILE, opcodes${kind === 'xlated' ? ', visual' : ''} or linum`);
  }
  // bpftool 7.1 draws the graph without opcodes or source lines, and takes one keyword at a time
  if (visual && (file !== undefined || opcodes || linum)) throw new UsageError("'visual' is not compatible with 'file', 'opcodes' or 'linum'", 'prog dump xlated PROG visual');
  if (file !== undefined && (opcodes || linum)) throw new UsageError("'file' is not compatible with 'opcodes', 'visual', or 'linum'", 'drop one of them');
  const library = await import('../inspect/programs.js');
  if (file !== undefined) {
    library.writeProgramBytes(selector, kind, file);
    if (output.json) print('null\n');
    return;
  }
  if (visual) {
    const graphs = library.dumpXlatedGraph(selector);
    // bpftool -j/-p prints null for a graph
    print(output.json ? 'null\n' : graphs.map((graph) => graph.dot).join(''));
    return;
  }
  const { formatProgramText, programJson } = await import('../inspect/program-text.js');
  const header = (details: { info: ProgramDetails['info']; fullName: string }) => {
    const full: ProgramDetails = { info: details.info, fullName: details.fullName, memlock: undefined, metadata: [], owners: undefined };
    return { text: formatProgramText(full).split('\n')[0]!, json: headerJson(programJson(full)) };
  };
  if (kind === 'xlated') {
    const dumps = library.dumpXlated(selector, { opcodes, linum, json: output.json });
    if (output.json) {
      const value = dumps.length === 1 ? dumps[0]!.json : dumps.map((dump) => ({ ...header(dump).json, insns: dump.json }));
      print(`${toJson(value, output.pretty)}\n`);
      return;
    }
    print(dumps.map((dump) => `${dumps.length > 1 ? `${header(dump).text}\n` : ''}${dump.lines.map((line) => `${line}\n`).join('')}`).join('\n'));
    return;
  }
  const dumps = library.dumpJited(selector);
  const functionsJson = (dump: (typeof dumps)[number]) => dump.functions.map((fn) => ({
    ...(fn.proto !== undefined ? { proto: fn.proto } : {}),
    name: fn.name,
    insns: [...fn.bytes].map((byte) => `0x${byte.toString(16).padStart(2, '0')}`),
  }));
  if (output.json) {
    const value = dumps.length === 1 ? functionsJson(dumps[0]!) : dumps.map((dump) => ({ ...header(dump).json, insns: functionsJson(dump) }));
    print(`${toJson(value, output.pretty)}\n`);
    return;
  }
  print(dumps.map((dump) => `${dumps.length > 1 ? `${header(dump).text}\n` : ''}${dump.functions.map((fn) => jitedFunctionText(fn.proto, fn.name, fn.bytes, opcodes)).join('\n')}`).join('\n'));
}

/** bpftool's print_prog_header_json fields only (id through recursion_misses). */
function headerJson(full: Record<string, unknown>): Record<string, unknown> {
  const keys = ['id', 'type', 'name', 'tag', 'gpl_compatible', 'run_time_ns', 'run_cnt', 'recursion_misses'];
  return Object.fromEntries(keys.filter((key) => key in full).map((key) => [key, full[key]]));
}

/** A JIT-compiled function as `proto:`, `name:` and its bytes, 16 to a line with their offset. */
function jitedFunctionText(proto: string | undefined, name: string, bytes: Uint8Array, _opcodes: boolean): string {
  let out = proto !== undefined ? `${proto}:\n${name}:\n` : `${name}:\n`;
  for (let at = 0; at < bytes.length; at += 16) {
    out += `${at.toString(16).padStart(4)}:\t${[...bytes.subarray(at, at + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}\n`;
  }
  return out;
}

export async function progPin(args: readonly string[], output: OutputOptions): Promise<void> {
  const { selector, rest } = parseSelector(args);
  if (rest.length !== 1) throw new UsageError(rest.length === 0 ? 'expected the path to pin at' : `unexpected arguments ${JSON.stringify(rest.slice(1).join(' '))}`, 'tsbpf prog pin PROG /sys/fs/bpf/NAME');
  const { pinProgram } = await import('../inspect/programs.js');
  pinProgram(selector, rest[0]!);
  if (output.json) print('null\n');
}

export async function progTracelog(output: OutputOptions): Promise<void> {
  const { followTraceLog } = await import('../inspect/program-tracelog.js');
  // Ctrl-C keeps its default action and ends the process, as it ends bpftool: a read blocked in the
  // trace pipe sits in libuv's thread pool, where no JavaScript handler can cancel it.
  await followTraceLog((line) => print(output.json ? `${toJson(line, false)}\n` : `${line}\n`));
}
