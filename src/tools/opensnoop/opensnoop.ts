/**
 * tsbpf opensnoop: libbpf-tools' opensnoop from TypeScript — the same flags, columns and exit codes.
 * This file is the pattern every tool follows: open the object, set its filters (.rodata constants)
 * before load, load, attach, stream and print events until stopped; `using` unloads everything.
 */
import { loadObject } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { clockTime, left, right } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject, skipMissingTracepoints } from '../common/tool-object.js';

const O_CREAT = 0o100;
const O_TMPFILE = 0o20200000;
const INVALID_UID = 0xffff_ffff;
const OPENSNOOP_RING_BYTES = 16 << 20;

interface OpenEvent {
  pid: number;
  tid: number;
  uid: number;
  ret: number;
  flags: number;
  mode: number;
  path_depth: number;
  path_truncated: number;
  comm: string;
  fname: string;
}

export interface OpensnoopFlags {
  timestamp: boolean;
  printUid: boolean;
  failed: boolean;
  pid: number | undefined;
  tid: number | undefined;
  uid: number | undefined;
  duration: number | undefined;
  name: string | undefined;
  extended: boolean;
  fullPath: boolean;
  verbose: boolean;
  channel: EventChannelKind | 'auto';
}

/** The path as the program opened it; with -F, a relative one prefixed with the working directory. */
function fullPath(event: OpenEvent, directories: string[] | undefined): string {
  if (!directories || event.fname.startsWith('/')) return event.fname;
  // a mount point's root is named '/': the join puts the slashes
  const names = directories.slice(0, event.path_depth).reverse().filter((name) => name !== '/');
  return `${event.path_truncated ? '' : '/'}${[...names, event.fname].join('/')}`;
}

export const tool = defineTool<OpensnoopFlags>({
  name: 'opensnoop',
  summary: 'Trace open family syscalls',
  doc: `USAGE: opensnoop [-h] [-T] [-U] [-x] [-p PID] [-t TID] [-u UID] [-d DURATION]
                 [-n NAME] [-e] [-F] [--json]

EXAMPLES:
    opensnoop           # trace all open() syscalls
    opensnoop -T        # include timestamps
    opensnoop -U        # include UID
    opensnoop -x        # only show failed opens
    opensnoop -p 181    # only trace PID 181
    opensnoop -t 123    # only trace TID 123
    opensnoop -u 1000   # only trace UID 1000
    opensnoop -d 10     # trace for 10 seconds only
    opensnoop -n main   # only print process names containing "main"
    opensnoop -e        # show extended fields
    opensnoop -F        # show full path for an open file
    opensnoop --json    # one JSON object per event`,
  options: [
    { short: 'd', long: 'duration', argument: 'DURATION', description: 'Duration to trace' },
    { short: 'e', long: 'extended-fields', description: 'Print extended fields' },
    { short: 'n', long: 'name', argument: 'NAME', description: 'Trace process names containing this' },
    { short: 'p', long: 'pid', argument: 'PID', description: 'Process ID to trace' },
    { short: 't', long: 'tid', argument: 'TID', description: 'Thread ID to trace' },
    { short: 'T', long: 'timestamp', description: 'Print timestamp' },
    { short: 'u', long: 'uid', argument: 'UID', description: 'User ID to trace' },
    { short: 'U', long: 'print-uid', description: 'Print UID' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { short: 'x', long: 'failed', description: 'Failed opens only' },
    { short: 'F', long: 'full-path', description: 'Show full path' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    const uid = positiveInteger(flags.get('uid'), 'UID', { allowZero: true });
    if (uid !== undefined && uid >= INVALID_UID) throw new ToolUsageError(`Invalid UID: ${String(flags.get('uid'))}`);
    return {
      timestamp: flags.has('timestamp'),
      printUid: flags.has('print-uid'),
      failed: flags.has('failed'),
      pid: positiveInteger(flags.get('pid'), 'PID'),
      tid: positiveInteger(flags.get('tid'), 'TID'),
      uid,
      duration: positiveInteger(flags.get('duration'), 'duration'),
      name: flags.get('name') as string | undefined,
      extended: flags.has('extended-fields'),
      fullPath: flags.has('full-path'),
      verbose: flags.has('verbose'),
      channel,
    };
  },

  async run(flags, { out, err, signal, stopAfter, json }) {
    const spec = await openToolObject(import.meta.url, 'opensnoop');
    const skipped = skipMissingTracepoints(spec);
    spec.variables.targ_tgid!.set(flags.pid ?? 0);
    spec.variables.targ_pid!.set(flags.tid ?? 0);
    spec.variables.targ_uid!.set(flags.uid ?? INVALID_UID);
    spec.variables.targ_failed!.set(flags.failed);
    spec.variables.full_path!.set(flags.fullPath);
    // 16 MiB: ~55 000 events, so an open storm (450 k/s here) outlasts a GC or JIT pause without losses
    const channel = chooseEventChannel(spec, { kind: flags.channel, ringBytes: OPENSNOOP_RING_BYTES });
    if (flags.verbose) err(`opensnoop: events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}${skipped.length ? `; no tracepoint for ${skipped.join(', ')}` : ''}\n`);

    using object = await loadObject(spec);
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    const decode = object.decoder('struct event');
    const decodeNames = flags.fullPath ? object.decoder('struct path_names') : undefined;
    const eventSize = spec.btf!.sizeOf(spec.btf!.findOne('event')!.id);

    if (!json) {
      out.line(`${flags.timestamp ? `${left('TIME', 8)} ` : ''}${flags.printUid ? `${left('UID', 7)} ` : ''}`
        + `${left('PID', 6)} ${left('COMM', 16)} ${right('FD', 3)} ${right('ERR', 3)} `
        + `${flags.extended ? `${left('FLAGS', 8)} ${left('MODE', 5)} ` : ''}PATH`);
      out.flush();
    }
    if (flags.duration) stopAfter(flags.duration);
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as OpenEvent;
        if (flags.name !== undefined && !event.comm.includes(flags.name)) return;
        const fd = event.ret >= 0 ? event.ret : -1;
        const errno = event.ret >= 0 ? 0 : -event.ret;
        const directories = decodeNames && event.path_depth > 0 ? ((decodeNames(record.area, record.offset + eventSize) as { name: string[] }).name) : undefined;
        const path = flags.fullPath ? fullPath(event, directories) : event.fname;
        const hasMode = event.mode !== 0 || (event.flags & O_CREAT) !== 0 || (event.flags & O_TMPFILE) === O_TMPFILE;
        if (json) {
          out.json({ ...(flags.timestamp ? { time: clockTime() } : {}), ...event, fd, err: errno, path });
          return;
        }
        out.line(`${flags.timestamp ? `${left(clockTime(), 8)} ` : ''}${flags.printUid ? `${left(event.uid, 7)} ` : ''}`
          + `${left(event.pid, 6)} ${left(event.comm, 16)} ${right(fd, 3)} ${right(errno, 3)} `
          + `${flags.extended ? `${(event.flags >>> 0).toString(8).padStart(8, '0')} ${hasMode ? `${event.mode.toString(8).padStart(4, '0')} ` : 'n/a  '}` : ''}${path}`);
      },
      onLost(cpu, count) {
        out.flush();
        err(cpu < 0 ? `Lost ${count} events (the event buffer was full)!\n` : `Lost ${count} events on CPU #${cpu}!\n`);
      },
      onBatch: () => out.flush(),
    });
    return 0;
  },
});
