/**
 * tsbpf exitsnoop: libbpf-tools' exitsnoop from TypeScript — process (or thread) exits with their age
 * and how they ended, in its columns: `PCOMM PID PPID TID AGE(s) EXIT_CODE`, the exit text as it prints
 * it (`0`, `code N`, `signal N (Name)`, `, core dumped`).
 */
import { loadObject } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { clockTime, left } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject } from '../common/tool-object.js';
import { signalDescription } from './signal-names.js';

interface ExitEvent {
  start_time: bigint;
  exit_time: bigint;
  pid: number;
  tid: number;
  ppid: number;
  sig: number;
  exit_code: number;
  comm: string;
}

export interface ExitsnoopFlags {
  timestamp: boolean;
  failed: boolean;
  pid: number | undefined;
  threaded: boolean;
  verbose: boolean;
  channel: EventChannelKind | 'auto';
}

const SIGNAL_MASK = 0x7f;
const CORE_DUMPED = 0x80;

/** How the task ended, worded as libbpf-tools prints it. */
export function exitDescription(sig: number, exitCode: number): string {
  if (sig === 0) return exitCode === 0 ? '0' : `code ${exitCode}`;
  const signal = sig & SIGNAL_MASK;
  return `${signal ? `signal ${signal} (${signalDescription(signal)})` : ''}${sig & CORE_DUMPED ? ', core dumped' : ''}`;
}

/** printf `%-7.2f`. */
function age(event: ExitEvent): number {
  return Number(event.exit_time - event.start_time) / 1e9;
}

export const tool = defineTool<ExitsnoopFlags>({
  name: 'exitsnoop',
  summary: 'Trace process termination.',
  doc: `USAGE: exitsnoop [-h] [-t] [-x] [-p PID] [-T] [--json]

EXAMPLES:
    exitsnoop             # trace process exit events
    exitsnoop -t          # include timestamps
    exitsnoop -x          # trace error exits only
    exitsnoop -p 1216     # only trace PID 1216
    exitsnoop -T          # trace by thread
    exitsnoop --json      # one JSON object per exit`,
  options: [
    { short: 't', long: 'timestamp', description: 'Include timestamp on output' },
    { short: 'x', long: 'failed', description: 'Trace error exits only.' },
    { short: 'p', long: 'pid', argument: 'PID', description: 'Process ID to trace' },
    { short: 'T', long: 'threaded', description: 'Trace by thread.' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    return {
      timestamp: flags.has('timestamp'),
      failed: flags.has('failed'),
      pid: positiveInteger(flags.get('pid'), 'PID'),
      threaded: flags.has('threaded'),
      verbose: flags.has('verbose'),
      channel,
    };
  },

  async run(flags, { out, err, signal, json }) {
    const spec = await openToolObject(import.meta.url, 'exitsnoop');
    spec.variables.targ_tgid!.set(flags.pid ?? 0);
    spec.variables.failed_only!.set(flags.failed);
    spec.variables.by_process!.set(!flags.threaded);
    const channel = chooseEventChannel(spec, { kind: flags.channel });
    if (flags.verbose) err(`exitsnoop: events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}\n`);

    using object = await loadObject(spec);
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    const decode = object.decoder('struct event');

    if (!json) {
      out.line(`${flags.timestamp ? `${left('TIME(s)', 8)} ` : ''}${left('PCOMM', 16)} ${left('PID', 7)} ${left('PPID', 7)} ${left('TID', 7)} ${left('AGE(s)', 7)} EXIT_CODE`);
      out.flush();
    }
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as ExitEvent;
        const seconds = age(event);
        const exit = exitDescription(event.sig, event.exit_code);
        if (json) {
          const signalNumber = event.sig & SIGNAL_MASK;
          out.json({
            ...(flags.timestamp ? { time: clockTime() } : {}),
            ...event,
            age: seconds,
            ...(signalNumber ? { signal: signalNumber, signal_name: signalDescription(signalNumber) } : {}),
            core_dumped: (event.sig & CORE_DUMPED) !== 0,
            exit,
          });
          return;
        }
        out.line(`${flags.timestamp ? `${clockTime().padStart(8)} ` : ''}${left(event.comm, 16)} ${left(event.pid, 7)} ${left(event.ppid, 7)} ${left(event.tid, 7)} ${left(seconds.toFixed(2), 7)} ${exit}`);
      },
      onLost(cpu, count) {
        out.flush();
        err(cpu < 0 ? `lost ${count} events (ring buffer full)\n` : `lost ${count} events on CPU #${cpu}\n`);
      },
      onBatch: () => out.flush(),
    });
    return 0;
  },
});
