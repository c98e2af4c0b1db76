/**
 * `bpftool prog show` text and JSON for ProgramDetails, field for field as bpftool 7.1 prints them
 * (print_prog_plain / print_prog_json). What tsbpf adds (source, stats) comes after bpftool's fields.
 * Type names are libbpf 1.1's: a type newer than its table (netfilter) prints as `type N`, as bpftool 7.1 does.
 */
import { programTypeName } from '../programs/program-types.js';
import { ProgramTypeId } from '../sys/abi.js';
import { bootNsToUnixSeconds, isoLocalSeconds } from './program-clock.js';
import type { MetadataValue } from './program-metadata.js';
import type { ProgramDetails } from './programs.js';

/** The last program type libbpf 1.1 (bpftool 7.1's library) has a name for. */
const LAST_NAMED_TYPE = ProgramTypeId.SYSCALL;

function typeName(type: number): string | undefined {
  return type <= LAST_NAMED_TYPE ? programTypeName(type) : undefined;
}

/** JSON text the way bpftool's writer prints scalars and containers in plain mode (compact). */
function valueText(value: MetadataValue): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueText).join(',')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${valueText(v)}`).join(',')}}`;
  return String(value);
}

/** The `bpftool prog show` block of one program, newline-terminated. */
export function formatProgramText(details: ProgramDetails): string {
  const { info } = details;
  const type = typeName(info.type);
  let out = `${info.id}: ${type !== undefined ? `${type}  ` : `type ${info.type}  `}`;
  if (info.name !== '') out += `name ${details.fullName}  `;
  out += `tag ${info.tag}`;
  if (info.gplCompatible) out += '  gpl';
  if (info.runTimeNs !== 0n) out += ` run_time_ns ${info.runTimeNs} run_cnt ${info.runCount}`;
  if (info.recursionMisses !== 0n) out += ` recursion_misses ${info.recursionMisses}`;
  out += '\n';
  if (info.loadTimeNs !== 0n) out += `\tloaded_at ${isoLocalSeconds(bootNsToUnixSeconds(info.loadTimeNs))}  uid ${info.createdByUid}\n`;
  out += `\txlated ${info.xlatedProgramLength}B`;
  out += info.jitedProgramLength ? `  jited ${info.jitedProgramLength}B` : '  not jited';
  if (details.memlock !== undefined) out += `  memlock ${details.memlock}B`;
  if (info.mapIds.length > 0) out += `  map_ids ${info.mapIds.join(',')}`;
  for (const path of details.pinned ?? []) out += `\n\tpinned ${path}`;
  if (info.btfId) out += `\n\tbtf_id ${info.btfId}`;
  if (details.owners && details.owners.length > 0) out += `\n\tpids ${details.owners.map((o) => `${o.comm}(${o.pid})`).join(', ')}`;
  out += '\n';
  if (details.metadata.length > 0) {
    out += '\tmetadata:';
    for (const entry of details.metadata) out += `\n\t\t${entry.name} = ${valueText(entry.value)}`;
    out += '\n';
  }
  // tsbpf's own lines, after everything bpftool prints
  const source = details.source;
  if (source && (source.function || source.file || source.object)) {
    const parts: string[] = [];
    if (source.object) parts.push(`object ${source.object}`);
    if (source.function) parts.push(`function ${source.function}`);
    if (source.file) parts.push(`file ${source.file}${source.line ? `:${source.line}` : ''}`);
    out += `\tsource ${parts.join('  ')}\n`;
  }
  if (details.stats) {
    const s = details.stats;
    out += `\tstats run_cnt ${s.runCount}  run_time_ns ${s.runTimeNs}  avg_ns ${s.averageNs}\n`;
  }
  return out;
}

/** The object `bpftool -j prog show` prints for one program (bigints are u64s; toJson prints them bare). */
export function programJson(details: ProgramDetails): Record<string, unknown> {
  const { info } = details;
  const out: Record<string, unknown> = { id: info.id, type: typeName(info.type) ?? info.type };
  if (info.name !== '') out.name = details.fullName;
  out.tag = info.tag;
  out.gpl_compatible = info.gplCompatible;
  if (info.runTimeNs !== 0n) {
    out.run_time_ns = info.runTimeNs;
    out.run_cnt = info.runCount;
  }
  if (info.recursionMisses !== 0n) out.recursion_misses = info.recursionMisses;
  if (info.loadTimeNs !== 0n) {
    out.loaded_at = bootNsToUnixSeconds(info.loadTimeNs);
    out.uid = info.createdByUid;
  }
  out.bytes_xlated = info.xlatedProgramLength;
  out.jited = info.jitedProgramLength !== 0;
  if (info.jitedProgramLength) out.bytes_jited = info.jitedProgramLength;
  if (details.memlock !== undefined) out.bytes_memlock = Number(details.memlock);
  if (info.mapIds.length > 0) out.map_ids = info.mapIds;
  if (info.btfId) out.btf_id = info.btfId;
  // bpftool -f: every program gets the array once anything is pinned
  if (details.pinned) out.pinned = details.pinned;
  if (details.owners && details.owners.length > 0) out.pids = details.owners.map((o) => ({ pid: o.pid, comm: o.comm }));
  if (details.metadata.length > 0) out.metadata = Object.fromEntries(details.metadata.map((entry) => [entry.name, entry.value]));
  if (details.source) {
    const source: Record<string, unknown> = {};
    if (details.source.object) source.object = details.source.object;
    if (details.source.function) source.function = details.source.function;
    if (details.source.file) source.file = details.source.file;
    if (details.source.line) source.line = details.source.line;
    out.source = source;
  }
  if (details.stats) out.stats = { run_cnt: details.stats.runCount, run_time_ns: details.stats.runTimeNs, avg_ns: details.stats.averageNs };
  return out;
}

export interface FormatOptions {
  json?: boolean;
}

/** One program as bpftool's text block, or its JSON object. */
export function formatProgram(details: ProgramDetails, options: FormatOptions = {}): string | Record<string, unknown> {
  return options.json ? programJson(details) : formatProgramText(details);
}
