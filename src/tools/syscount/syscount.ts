/**
 * tsbpf syscount: libbpf-tools' syscount from TypeScript — the top syscalls (or processes, -P) by count
 * or, with -L, by time spent, printed at each interval (-i) or once at the end, under libbpf-tools'
 * `[HH:MM:SS]` line and columns.
 */
import { loadObject, MapBatchCursor, type BpfMap } from '../../index.js';
import { clockTime, left, right } from '../common/output.js';
import { filterCgroup } from '../common/cgroup-filter.js';
import { syscallName, knownSyscalls } from '../common/syscall-names.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject } from '../common/tool-object.js';
import { ERRNO_NUMBERS } from './errno-names.js';

const INT_MAX = 0x7fff_ffff;
/** syscount.h's MAX_ENTRIES. */
const MAX_ENTRIES = 8192;

export interface SyscountFlags {
  pid: number | undefined;
  interval: number;
  duration: number | undefined;
  top: number;
  cgroup: string | undefined;
  failures: boolean;
  latency: boolean;
  milliseconds: boolean;
  process: boolean;
  errno: number | undefined;
  list: boolean;
  verbose: boolean;
}

/** One row: a syscall (or a process with -P) and what was counted for it. */
export interface SyscountRow {
  key: number;
  count: bigint;
  totalNs: bigint;
  comm: string;
}

/** get_int's rules: an integer in [min, max] (leading digits, like strtol, are not enough). */
function integer(value: string | true | undefined, min: number, message: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const number = /^\s*[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > INT_MAX) throw new ToolUsageError(`${message}: ${text}`);
  return number;
}

function errnoNumber(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (/^\s*[+]?\d+$/.test(text) && Number(text) >= 1 && Number(text) <= INT_MAX) return Number(text);
  const number = ERRNO_NUMBERS.get(text);
  if (number === undefined) throw new ToolUsageError(`invalid errno: ${text} (neither a number nor a name like ENOENT)`);
  return number;
}

/** The first column: the syscall's name, or `%-6u %-15s` pid and comm with -P. */
export function rowLabel(row: SyscountRow, byProcess: boolean): string {
  return byProcess ? `${left(row.key, 6)} ${left(row.comm, 15)}` : syscallName(row.key);
}

/** The table libbpf-tools prints at each interval: header, the top rows, a blank line. */
export function formatTable(rows: readonly SyscountRow[], flags: Pick<SyscountFlags, 'latency' | 'milliseconds' | 'process' | 'top'>): string {
  const label = flags.process ? 'PID    COMM' : 'SYSCALL';
  const lines = [flags.latency ? `${left(label, 22)} ${right('COUNT', 8)} ${right(flags.milliseconds ? 'TIME (ms)' : 'TIME (us)', 16)}` : `${left(label, 22)} ${right('COUNT', 8)}`];
  const divisor = flags.milliseconds ? 1e6 : 1e3;
  for (const row of rows.slice(0, flags.top)) {
    const first = `${left(rowLabel(row, flags.process), 22)} ${right(row.count.toString(), 8)}`;
    lines.push(flags.latency ? `${first} ${right((Number(row.totalNs) / divisor).toFixed(3), 16)}` : first);
  }
  return `${lines.join('\n')}\n\n`;
}

/** Most first: by count, or by time with -L; ties by key so the order is the same each run. */
export function sortRows(rows: SyscountRow[], byLatency: boolean): SyscountRow[] {
  const measure = byLatency ? (row: SyscountRow) => row.totalNs : (row: SyscountRow) => row.count;
  return rows.sort((a, b) => (measure(a) > measure(b) ? -1 : measure(a) < measure(b) ? 1 : a.key - b.key));
}

export const tool = defineTool<SyscountFlags>({
  name: 'syscount',
  summary: 'syscount: summarize syscall counts and latencies',
  doc: `EXAMPLES:
    syscount                 # print top 10 syscalls by count every second
    syscount -p $(pidof dd)  # look only at a particular process
    syscount -L              # measure and sort output by latency
    syscount -P              # group statistics by pid, not by syscall
    syscount -x -i 5         # count only failed syscalls
    syscount -e ENOENT -i 5  # count only syscalls failed with a given errno
    syscount -c CG           # Trace process under cgroupsPath CG
    syscount --json -i 1     # one JSON object per print`,
  options: [
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { short: 'p', long: 'pid', argument: 'PID', description: 'Process PID to trace' },
    { short: 'i', long: 'interval', argument: 'INTERVAL', description: 'Print summary at this interval (seconds), 0 for infinite wait (default)' },
    { short: 'd', long: 'duration', argument: 'DURATION', description: 'Total tracing duration (seconds)' },
    { short: 'T', long: 'top', argument: 'TOP', description: 'Print only the top syscalls (default 10)' },
    { short: 'c', long: 'cgroup', argument: '/sys/fs/cgroup/unified/<CG>', description: 'Trace process in cgroup path' },
    { short: 'x', long: 'failures', description: 'Trace only failed syscalls' },
    { short: 'L', long: 'latency', description: 'Collect syscall latency' },
    { short: 'm', long: 'milliseconds', description: 'Display latency in milliseconds (default: microseconds)' },
    { short: 'P', long: 'process', description: 'Count by process and not by syscall' },
    { short: 'e', long: 'errno', argument: 'ERRNO', description: 'Trace only syscalls that return this error(numeric or EPERM, etc.)' },
    { short: 'l', long: 'list', description: 'Print list of recognized syscalls and exit' },
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    return {
      pid: integer(flags.get('pid'), 1, 'invalid PID'),
      interval: integer(flags.get('interval'), 0, 'invalid INTERVAL') ?? 0,
      duration: integer(flags.get('duration'), 1, 'invalid DURATION'),
      top: integer(flags.get('top'), 1, 'invalid TOP') ?? 10,
      cgroup: flags.get('cgroup') as string | undefined,
      failures: flags.has('failures'),
      latency: flags.has('latency'),
      milliseconds: flags.has('milliseconds'),
      process: flags.has('process'),
      errno: errnoNumber(flags.get('errno')),
      list: flags.has('list'),
      verbose: flags.has('verbose'),
    };
  },

  async run(flags, { out, err, signal, json }) {
    if (flags.list) {
      for (const [number, name] of knownSyscalls()) out.line(`${right(number, 3)}: ${name}`);
      return knownSyscalls().size > 0 ? 0 : 1;
    }
    const spec = await openToolObject(import.meta.url, 'syscount');
    spec.variables.filter_pid!.set(flags.pid ?? 0);
    spec.variables.filter_failed!.set(flags.failures);
    spec.variables.filter_errno!.set(flags.errno ?? 0);
    spec.variables.measure_latency!.set(flags.latency);
    spec.variables.count_by_process!.set(flags.process);
    spec.variables.filter_cg!.set(flags.cgroup !== undefined);
    // sys_enter only times syscalls: without -L it would cost every syscall for nothing
    spec.programs.find((program) => program.name === 'sys_enter')!.autoload = flags.latency;
    if (flags.verbose) err(`syscount: counting at raw_syscalls:sys_exit${flags.latency ? ', timing from raw_syscalls:sys_enter' : ''}\n`);

    using object = await loadObject(spec);
    if (flags.cgroup !== undefined) filterCgroup(object.maps.cgroup_map!, flags.cgroup);
    object.attachAll();
    const decode = object.decoder('struct data_t');
    const counts = object.maps.data!;

    if (!json) {
      out.line(`Tracing syscalls, printing top ${flags.top}... Ctrl+C to quit.`);
      out.flush();
    }
    const step = flags.interval || 1;
    let elapsed = 0;
    for (;;) {
      await sleep(step, signal);
      let last = signal.aborted;
      if (flags.duration !== undefined) {
        elapsed += step;
        if (elapsed >= flags.duration) last = true;
      }
      if (!last && !flags.interval) continue;
      const rows = sortRows(drain(counts, decode), flags.latency);
      if (rows.length > 0) {
        if (json) out.json(jsonRecord(rows, flags));
        else out.write(`[${clockTime()}]\n${formatTable(rows, flags)}`);
        out.flush();
      }
      if (last) return 0;
    }
  },
});

function jsonRecord(rows: readonly SyscountRow[], flags: SyscountFlags): unknown {
  return {
    time: clockTime(),
    [flags.process ? 'processes' : 'syscalls']: rows.slice(0, flags.top).map((row) => ({
      ...(flags.process ? { pid: row.key, comm: row.comm } : { id: row.key, name: syscallName(row.key) }),
      count: row.count,
      ...(flags.latency ? { total_ns: row.totalNs } : {}),
    })),
  };
}

/** Reads and empties the counts map in batches (what libbpf-tools does where the kernel has them). */
function drain(map: BpfMap, decode: (area: Uint8Array, offset: number) => unknown): SyscountRow[] {
  const keys = new Uint8Array(MAX_ENTRIES * map.keySize);
  const values = new Uint8Array(MAX_ENTRIES * map.valueSize);
  const keyView = new DataView(keys.buffer);
  const rows: SyscountRow[] = [];
  using cursor = new MapBatchCursor();
  while (!cursor.done) {
    const count = map.lookupAndDeleteBatch(cursor, keys, values);
    for (let i = 0; i < count; i++) {
      const value = decode(values, i * map.valueSize) as { count: bigint; total_ns: bigint; comm: string };
      rows.push({ key: keyView.getUint32(i * map.keySize, true), count: BigInt(value.count), totalNs: BigInt(value.total_ns), comm: value.comm });
    }
    if (count === 0) break;
  }
  return rows;
}

/** Waits `seconds`, or less when `signal` aborts. */
function sleep(seconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    signal.addEventListener('abort', done, { once: true });
  });
}

