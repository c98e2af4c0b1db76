/**
 * The verifier's log as data: which instruction it refused, why, and which C line that instruction
 * came from. The log is the kernel's text (kernel/bpf/verifier.c and log.c print it; the facts used
 * here are its line shapes), so this reads it line by line:
 *
 *   `12: (0f) r0 += r1        ; R0=map_value(...) R1=scalar(...)`  an instruction, and the registers it wrote
 *   `12: R0=... R10=fp0`, `from 2 to 4: R0=...`                     register state at an instruction or branch
 *   `; return *count > 10; @ file.bpf.c:21`                          source (only when line_info was loaded)
 *   `processed 7 insns (limit 1000000) max_states_per_insn 0 ...`   the summary
 *   anything else: a message; the ones after the last instruction are why it refused.
 *
 * libbpf rewrites some logs before showing them (a poisoned CO-RE relocation becomes
 * `3: <invalid CO-RE relocation>` plus an explanation); those read the same way. Pure: no Node imports.
 */
import type { LineInfo } from '../btf/ext-records.js';

export type VerifierLogEntry =
  | { kind: 'instruction'; index: number; opcode?: number; text: string; state?: string }
  | { kind: 'state'; index?: number; from?: number; state: string }
  | { kind: 'source'; text: string; file: string; line: number }
  | { kind: 'message'; text: string };

export interface VerifierSummary {
  /** Instructions the verifier walked (paths count again: a loop's body once per iteration). */
  processed: number;
  /** The most it would walk (1 000 000 for privileged loads). */
  limit?: number;
  maxStatesPerInsn?: number;
  totalStates?: number;
  peakStates?: number;
  markRead?: number;
  /** `verification time N usec`, when the log has it. */
  verificationTimeMicroseconds?: number;
  /** `stack depth 8+16`: one figure per function of the program. */
  stackDepth?: number[];
}

export interface ParsedVerifierLog {
  entries: VerifierLogEntry[];
  summary?: VerifierSummary;
}

export interface SourceLocation {
  /** The file as clang recorded it (line_info), or as the kernel prints it (its base name). */
  file: string;
  line: number;
  /** 1-based; 0 when unknown (the kernel's own annotations carry no column). */
  column: number;
  /** The source line, without its indentation. */
  text: string;
}

export interface VerifierReport {
  /** The instruction the verifier was at when it gave up (an index into the loaded program). */
  failingInstruction?: number;
  /** Why, in the verifier's words (its final messages, joined). */
  message: string;
  /** The final messages, one per line as the verifier printed them. */
  errors: string[];
  /** The lines worth showing: the source and instructions that led to the refusal, then the messages. */
  meaningfulLines: string[];
  /** Where the failing instruction came from in C. */
  source?: SourceLocation;
  summary?: VerifierSummary;
  /** What a message that reads like something else really means (a poisoned CO-RE relocation). */
  note?: string;
}

const INSTRUCTION = /^(\d+): (?:\(([0-9a-f]{2})\) )?(.*)$/;
const REGISTER_STATE = /^(?:frame\d+: )?(?:R\d+(?:_[rwD]+)?=|fp-\d+)/;
const BRANCH_STATE = /^from (\d+) to (\d+): (.*)$/;
const SOURCE = /^; (.*) @ (.*):(\d+)$/;
const SUMMARY = /^processed (\d+) insns(?: \(limit (\d+)\))?(.*)$/;
/** Messages the kernel prints with no newline between them and the instruction before. */
const GLUED_MESSAGE = /\s(BPF program is too large\..*|The sequence of \d+ jumps is too complex\..*|infinite loop detected at insn \d+.*)$/;
/** Lines that say nothing about why: libbpf's frame around the log, and the verifier's epilogue. */
const NOISE = /^(?:libbpf: |-- (?:BEGIN|END) PROG LOAD LOG --|verification time \d+ usec$|stack depth [\d+]+$|Validating |Func#\d+ |func#\d+ @\d+$|Live regs before insn:)/;
/**
 * A loader (libbpf, and tsbpf the same way) replaces an instruction whose CO-RE relocation has no
 * match in the kernel with a call to helper 0xbad2310, which the verifier reports as an unknown function.
 */
const CORE_POISON = /unknown#195896080\b|<invalid CO-RE relocation>/;
const CORE_POISON_NOTE = 'the loader could not resolve a CO-RE relocation of this instruction against the kernel\'s BTF and poisoned it (libbpf\'s convention, which tsbpf follows): '
  + 'the field or type does not exist on this kernel; guard the access with bpf_core_field_exists() / bpf_core_type_exists()';
/** How many instructions before the failing one the meaningful lines keep. */
const CONTEXT_INSTRUCTIONS = 3;

/** Splits a verifier log into entries; never throws (an unknown line is a message). */
export function parseVerifierLog(log: string): ParsedVerifierLog {
  const entries: VerifierLogEntry[] = [];
  let summary: VerifierSummary | undefined;
  for (const raw of kernelPart(log).split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    const source = SOURCE.exec(line);
    if (source) {
      entries.push({ kind: 'source', text: source[1]!.trim(), file: source[2]!, line: Number(source[3]) });
      continue;
    }
    const branch = BRANCH_STATE.exec(line);
    if (branch) {
      entries.push({ kind: 'state', from: Number(branch[1]), index: Number(branch[2]), state: branch[3]! });
      continue;
    }
    const processed = SUMMARY.exec(line);
    if (processed) {
      summary = { ...summary, ...parseSummary(processed) };
      continue;
    }
    const time = /^verification time (\d+) usec$/.exec(line);
    if (time) {
      summary = { processed: summary?.processed ?? 0, ...summary, verificationTimeMicroseconds: Number(time[1]) };
      continue;
    }
    const depth = /^stack depth ([\d+]+)$/.exec(line);
    if (depth) {
      summary = { processed: summary?.processed ?? 0, ...summary, stackDepth: depth[1]!.split('+').map(Number) };
      continue;
    }
    const instruction = INSTRUCTION.exec(line);
    if (instruction) {
      const index = Number(instruction[1]);
      const body = instruction[3]!;
      if (instruction[2] === undefined && REGISTER_STATE.test(body)) {
        entries.push({ kind: 'state', index, state: body });
        continue;
      }
      if (instruction[2] === undefined && !body.startsWith('<')) {
        entries.push({ kind: 'message', text: line });
        continue;
      }
      entries.push(...instructionEntries(index, instruction[2], body));
      continue;
    }
    entries.push({ kind: 'message', text: line });
  }
  return summary ? { entries, summary } : { entries };
}

/**
 * libbpf (and so bpftool) prints the kernel's log between `-- BEGIN PROG LOAD LOG --` and
 * `-- END PROG LOAD LOG --` among its own messages; only the last such block is the verifier's.
 */
function kernelPart(log: string): string {
  const begin = log.lastIndexOf('-- BEGIN PROG LOAD LOG --');
  if (begin < 0) return log;
  const start = log.indexOf('\n', begin) + 1;
  if (start === 0) return '';
  const end = log.indexOf('-- END PROG LOAD LOG --', start);
  return end < 0 ? log.slice(start) : log.slice(start, end);
}

function instructionEntries(index: number, opcode: string | undefined, body: string): VerifierLogEntry[] {
  let text = body;
  let glued: string | undefined;
  const gluedMatch = GLUED_MESSAGE.exec(text);
  if (gluedMatch) {
    glued = gluedMatch[1]!;
    text = text.slice(0, gluedMatch.index);
  }
  // The kernel pads the instruction to a column, then `; ` and the registers the instruction wrote.
  let state: string | undefined;
  const semicolon = text.indexOf(' ; ');
  if (semicolon >= 0) {
    state = text.slice(semicolon + 3).trim();
    text = text.slice(0, semicolon);
  }
  const entry: VerifierLogEntry = { kind: 'instruction', index, text: text.trim() };
  if (opcode !== undefined) entry.opcode = parseInt(opcode, 16);
  if (state) entry.state = state;
  return glued ? [entry, { kind: 'message', text: glued }] : [entry];
}

function parseSummary(match: RegExpExecArray): VerifierSummary {
  const summary: VerifierSummary = { processed: Number(match[1]) };
  if (match[2] !== undefined) summary.limit = Number(match[2]);
  const fields: Record<string, keyof VerifierSummary> = {
    max_states_per_insn: 'maxStatesPerInsn', total_states: 'totalStates', peak_states: 'peakStates', mark_read: 'markRead',
  };
  for (const [, key, value] of match[3]!.matchAll(/(\w+) (\d+)/g)) {
    const field = fields[key!];
    if (field) (summary as unknown as Record<string, number>)[field] = Number(value);
  }
  return summary;
}

/**
 * Explains a refusal: the failing instruction, the verifier's reason, and — from `lineInfo`
 * (kernel-order records, instruction indexes into the loaded program) or else from the log's own
 * source annotations — the C line it came from.
 */
export function explainVerifierLog(log: string, lineInfo?: readonly LineInfo[]): VerifierReport {
  const { entries, summary } = parseVerifierLog(log);
  const lastInstruction = findLastIndex(entries, (entry) => entry.kind === 'instruction');
  // Why it refused: the messages after the last instruction; with none (a refusal before the walk,
  // e.g. check_cfg's "back-edge from insn 5 to 3"), the last run of messages.
  let errorEntries = entries.slice(lastInstruction + 1).filter((entry) => entry.kind === 'message' && !NOISE.test(entry.text));
  if (errorEntries.length === 0) {
    const lastMessage = findLastIndex(entries, (entry) => entry.kind === 'message' && !NOISE.test(entry.text));
    let first = lastMessage;
    while (first > 0 && entries[first - 1]!.kind === 'message' && !NOISE.test((entries[first - 1] as { text: string }).text)) first--;
    errorEntries = lastMessage < 0 ? [] : entries.slice(first, lastMessage + 1);
  }
  const errors = errorEntries.map((entry) => (entry as { text: string }).text);

  let failingInstruction: number | undefined;
  if (lastInstruction >= 0) failingInstruction = (entries[lastInstruction] as { index: number }).index;
  else {
    const named = errors.map((text) => /\binsn (\d+)\b/.exec(text)).find(Boolean);
    if (named) failingInstruction = Number(named[1]);
  }

  const report: VerifierReport = {
    message: errors.join('; ') || (log.trim() === '' ? 'the kernel gave no log' : 'the log names no reason'),
    errors,
    meaningfulLines: meaningfulLines(entries, lastInstruction, errors),
  };
  if (failingInstruction !== undefined) report.failingInstruction = failingInstruction;
  const source = failingInstruction === undefined
    ? undefined
    : (lineInfo && sourceFromLineInfo(lineInfo, failingInstruction)) ?? sourceFromLog(entries, lastInstruction);
  if (source) report.source = source;
  if (summary) report.summary = summary;
  const failingText = lastInstruction >= 0 ? (entries[lastInstruction] as { text: string }).text : '';
  if (CORE_POISON.test(failingText) || errors.some((text) => CORE_POISON.test(text))) report.note = CORE_POISON_NOTE;
  return report;
}

/** The last few instructions before the refusal with the source line above them, then the messages. */
function meaningfulLines(entries: readonly VerifierLogEntry[], lastInstruction: number, errors: readonly string[]): string[] {
  const lines: string[] = [];
  if (lastInstruction >= 0) {
    let start = lastInstruction;
    let instructions = 1;
    for (let i = lastInstruction - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.kind === 'source') { start = i; continue; }
      if (entry.kind !== 'instruction' || instructions === CONTEXT_INSTRUCTIONS) break;
      instructions++;
      start = i;
    }
    // Show the source line the first shown instruction belongs to, even when it was printed earlier.
    if (entries[start]!.kind !== 'source') {
      for (let i = start - 1; i >= 0; i--) {
        const entry = entries[i]!;
        if (entry.kind === 'source') { lines.push(formatEntry(entry)); break; }
        if (entry.kind !== 'instruction') break;
      }
    }
    for (let i = start; i <= lastInstruction; i++) lines.push(formatEntry(entries[i]!));
  }
  lines.push(...errors);
  return lines;
}

function formatEntry(entry: VerifierLogEntry): string {
  switch (entry.kind) {
    case 'instruction': {
      const opcode = entry.opcode === undefined ? '' : `(${entry.opcode.toString(16).padStart(2, '0')}) `;
      return `${entry.index}: ${opcode}${entry.text}${entry.state ? `  ; ${entry.state}` : ''}`;
    }
    case 'source': return `; ${entry.text} @ ${entry.file}:${entry.line}`;
    case 'state': return entry.from !== undefined ? `from ${entry.from} to ${entry.index}: ${entry.state}` : `${entry.index}: ${entry.state}`;
    case 'message': return entry.text;
  }
}

/**
 * The line_info record in force at `instruction`: the last one at or before it. clang marks code it
 * made up (spills, shared epilogues) as line 0; those fall back to the record before, which is the
 * C the instruction serves.
 */
export function sourceFromLineInfo(lineInfo: readonly LineInfo[], instruction: number): SourceLocation | undefined {
  let last: LineInfo | undefined;
  let lastWithLine: LineInfo | undefined;
  for (const record of lineInfo) {
    if (record.instruction > instruction) continue;
    if (!last || record.instruction >= last.instruction) last = record;
    if (record.line !== 0 && (!lastWithLine || record.instruction >= lastWithLine.instruction)) lastWithLine = record;
  }
  const chosen = last && last.line === 0 ? lastWithLine ?? last : last;
  if (!chosen) return undefined;
  return { file: chosen.fileName, line: chosen.line, column: chosen.column, text: chosen.lineText.trim() };
}

/** The kernel's own annotation above the failing instruction (file base name, no column). */
function sourceFromLog(entries: readonly VerifierLogEntry[], lastInstruction: number): SourceLocation | undefined {
  for (let i = lastInstruction; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry.kind === 'source' && entry.line !== 0) return { file: entry.file, line: entry.line, column: 0, text: entry.text };
  }
  return undefined;
}

/** `file.c:42:9` (or `file.c:42` without a column). */
export function formatSourceLocation(source: SourceLocation): string {
  return `${source.file}:${source.line}${source.column ? `:${source.column}` : ''}`;
}

/** What the CLI prints: the verifier's last meaningful lines, then `file.c:42:9: <source line>`. */
export function formatVerifierReport(report: VerifierReport): string {
  const lines = [...report.meaningfulLines];
  if (lines.length === 0) lines.push(report.message);
  if (report.source) lines.push(`${formatSourceLocation(report.source)}: ${report.source.text}`);
  if (report.note) lines.push(`note: ${report.note}`);
  return `${lines.join('\n')}\n`;
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
