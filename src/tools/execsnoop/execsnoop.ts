/**
 * tsbpf execsnoop: libbpf-tools' execsnoop from TypeScript — every exec with its arguments, in its
 * columns `PCOMM PID PPID RET ARGS`, with -T/-t times, -U/-u UIDs, -x failed execs, -q quotes, -n/-l
 * filters, -c cgroup and --max-args.
 */
import { loadObject } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { clockTime, left, right } from '../common/output.js';
import { filterCgroup } from '../common/cgroup-filter.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject, skipMissingTracepoints } from '../common/tool-object.js';

const INVALID_UID = 0xffff_ffff;
/** execsnoop.h's TOTAL_MAX_ARGS and DEFAULT_MAX_ARGS. */
const TOTAL_MAX_ARGS = 60;
const DEFAULT_MAX_ARGS = 20;

interface ExecEvent {
  pid: number;
  ppid: number;
  uid: number;
  retval: number;
  args_count: number;
  args_size: number;
  comm: string;
}

export interface ExecsnoopFlags {
  time: boolean;
  timestamp: boolean;
  fails: boolean;
  uid: number | undefined;
  quote: boolean;
  name: string | undefined;
  line: string | undefined;
  printUid: boolean;
  maxArgs: number;
  cgroup: string | undefined;
  verbose: boolean;
  channel: EventChannelKind | 'auto';
}

/** The file name and arguments the BPF side gathered: NUL-terminated strings, at most `count`. */
export function splitArguments(bytes: Uint8Array, count: number): string[] {
  const strings: string[] = [];
  const decoder = new TextDecoder();
  let start = 0;
  for (let i = 0; i < bytes.length && strings.length < count; i++) {
    if (bytes[i] !== 0) continue;
    strings.push(decoder.decode(bytes.subarray(start, i)));
    start = i + 1;
  }
  return strings;
}

/** libbpf-tools' print_args: each argument then a space; -q wraps each in quotes, escaping `"`, tab, newline. */
export function formatArguments(args: readonly string[], quote: boolean, truncated: boolean): string {
  const text = quote
    ? args.map((arg) => `"${arg.replace(/["\t\n]/g, (c) => (c === '"' ? '\\"' : c === '\t' ? '\\t' : '\\n'))}" `).join('')
    : args.map((arg) => `${arg} `).join('');
  // quoting, libbpf-tools opens a quote before every argument but the last, so a truncated list ends in one
  return `${text}${quote && truncated ? '"' : ''}${truncated ? ' ...' : ''}`;
}

export const tool = defineTool<ExecsnoopFlags>({
  name: 'execsnoop',
  summary: 'Trace exec syscalls',
  doc: `USAGE: execsnoop [-h] [-T] [-t] [-x] [-u UID] [-q] [-n NAME] [-l LINE] [-U] [-c CG]
                 [--max-args MAX_ARGS] [--json]

EXAMPLES:
   ./execsnoop           # trace all exec() syscalls
   ./execsnoop -x        # include failed exec()s
   ./execsnoop -T        # include time (HH:MM:SS)
   ./execsnoop -U        # include UID
   ./execsnoop -u 1000   # only trace UID 1000
   ./execsnoop -t        # include timestamps
   ./execsnoop -q        # add "quotemarks" around arguments
   ./execsnoop -n main   # only print command lines containing "main"
   ./execsnoop -l tpkg   # only print command where arguments contains "tpkg"
   ./execsnoop -c CG     # Trace process under cgroupsPath CG
   ./execsnoop --json    # one JSON object per exec`,
  options: [
    { short: 'T', long: 'time', description: 'include time column on output (HH:MM:SS)' },
    { short: 't', long: 'timestamp', description: 'include timestamp on output' },
    { short: 'x', long: 'fails', description: 'include failed exec()s' },
    { short: 'u', long: 'uid', argument: 'UID', description: 'trace this UID only' },
    { short: 'q', long: 'quote', description: 'Add quotemarks (") around arguments' },
    { short: 'n', long: 'name', argument: 'NAME', description: 'only print commands matching this name, any arg' },
    { short: 'l', long: 'line', argument: 'LINE', description: 'only print commands where arg contains this line' },
    { short: 'U', long: 'print-uid', description: 'print UID column' },
    { long: 'max-args', argument: 'MAX_ARGS', description: 'maximum number of arguments parsed and displayed, defaults to 20' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { short: 'c', long: 'cgroup', argument: '/sys/fs/cgroup/unified', description: 'Trace process in cgroup path' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    const uidText = flags.get('uid');
    let uid: number | undefined;
    try {
      uid = positiveInteger(uidText, 'UID', { allowZero: true, max: INVALID_UID - 1 });
    } catch {
      throw new ToolUsageError(`Invalid UID ${String(uidText)}`);
    }
    const maxArgsText = flags.get('max-args');
    let maxArgs = DEFAULT_MAX_ARGS;
    try {
      maxArgs = positiveInteger(maxArgsText, 'MAX_ARGS', { max: TOTAL_MAX_ARGS }) ?? DEFAULT_MAX_ARGS;
    } catch {
      throw new ToolUsageError(`Invalid MAX_ARGS ${String(maxArgsText)}, should be in [1, ${TOTAL_MAX_ARGS}] range`);
    }
    return {
      time: flags.has('time'),
      timestamp: flags.has('timestamp'),
      fails: flags.has('fails'),
      uid,
      quote: flags.has('quote'),
      name: flags.get('name') as string | undefined,
      line: flags.get('line') as string | undefined,
      printUid: flags.has('print-uid'),
      maxArgs,
      cgroup: flags.get('cgroup') as string | undefined,
      verbose: flags.has('verbose'),
      channel,
    };
  },

  async run(flags, { out, err, signal, json }) {
    const spec = await openToolObject(import.meta.url, 'execsnoop');
    const skipped = skipMissingTracepoints(spec);
    spec.variables.include_failed!.set(flags.fails);
    spec.variables.targ_uid!.set(flags.uid ?? INVALID_UID);
    spec.variables.max_args!.set(flags.maxArgs);
    spec.variables.filter_cg!.set(flags.cgroup !== undefined);
    const channel = chooseEventChannel(spec, { kind: flags.channel });
    if (flags.verbose) err(`execsnoop: events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}${skipped.length ? `; no tracepoint for ${skipped.join(', ')}` : ''}\n`);

    using object = await loadObject(spec);
    if (flags.cgroup !== undefined) filterCgroup(object.maps.cgroup_map!, flags.cgroup);
    const started = process.hrtime.bigint();
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    const decode = object.decoder('struct event');
    const eventSize = spec.btf!.sizeOf(spec.btf!.findOne('event')!.id);

    if (!json) {
      out.line(`${flags.time ? left('TIME', 9) : ''}${flags.timestamp ? `${left('TIME(s)', 8)} ` : ''}${flags.printUid ? `${left('UID', 6)} ` : ''}`
        + `${left('PCOMM', 16)} ${left('PID', 6)} ${left('PPID', 6)} ${right('RET', 3)} ARGS`);
      out.flush();
    }
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as ExecEvent;
        if (flags.name !== undefined && !event.comm.includes(flags.name)) return;
        const argsStart = record.offset + eventSize;
        const argsBytes = record.area.subarray(argsStart, argsStart + Math.min(event.args_size, record.area.length - argsStart));
        const truncated = event.args_count === flags.maxArgs + 1;
        const args = splitArguments(argsBytes, truncated ? event.args_count - 1 : event.args_count);
        if (flags.line !== undefined && !args.join(' ').includes(flags.line)) return;
        const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3);
        if (json) {
          out.json({
            ...(flags.time ? { time: clockTime() } : {}),
            ...(flags.timestamp ? { timestamp: Number(seconds) } : {}),
            ...event,
            args,
            args_truncated: truncated,
          });
          return;
        }
        out.line(`${flags.time ? `${left(clockTime(), 8)} ` : ''}${flags.timestamp ? `${left(seconds, 8)} ` : ''}${flags.printUid ? `${left(event.uid, 6)} ` : ''}`
          + `${left(event.comm, 16)} ${left(event.pid, 6)} ${left(event.ppid, 6)} ${right(event.retval, 3)} ${formatArguments(args, flags.quote, truncated)}`);
      },
      onLost(cpu, count) {
        out.flush();
        err(cpu < 0 ? `Lost ${count} events (ring buffer full)!\n` : `Lost ${count} events on CPU #${cpu}!\n`);
      },
      onBatch: () => out.flush(),
    });
    return 0;
  },
});

