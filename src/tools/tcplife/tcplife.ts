/**
 * tsbpf tcplife: libbpf-tools' tcplife — one line per TCP session when it closes: its owner, both ends,
 * kilobytes sent (acked by the peer) and received, and how long it lived. All from the
 * sock:inet_sock_set_state tracepoint, so it needs no kprobes.
 */
import { loadObject, NotSupportedError } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { AF_INET, AF_INET6, formatAddress, ipVersion, parsePortList, u16Key } from '../common/inet.js';
import { clockTime, left, right } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject, tracepointExists } from '../common/tool-object.js';

const MAX_PORTS = 1024;
/** Addresses lead the struct (the decoder reads __u8 arrays as text, so they are sliced as bytes). */
const SADDR_OFFSET = 0;
const DADDR_OFFSET = 16;

interface SessionEvent {
  comm: string;
  ts_us: bigint;
  span_us: bigint;
  rx_b: bigint;
  tx_b: bigint;
  pid: number;
  sport: number;
  dport: number;
  family: number;
}

export interface TcplifeFlags {
  pid: number | undefined;
  family: number;
  wide: boolean;
  time: boolean;
  timestamp: boolean;
  duration: number | undefined;
  localPorts: number[] | undefined;
  remotePorts: number[] | undefined;
  verbose: boolean;
  channel: EventChannelKind | 'auto';
}

/** printf `%-6.2f` style: fixed decimals, left-aligned in `width`. */
function fixed(value: number, decimals: number, width = 0): string {
  return value.toFixed(decimals).padEnd(width);
}

export const tool = defineTool<TcplifeFlags>({
  name: 'tcplife',
  summary: 'Trace the lifespan of TCP sessions and summarize.',
  doc: `USAGE: tcplife [-h] [-p PID] [-4] [-6] [-L] [-D] [-T] [-t] [-w] [-d DURATION] [--json]

EXAMPLES:
    tcplife -p 1215             # only trace PID 1215
    tcplife -p 1215 -4          # trace IPv4 only
    tcplife -L 80,81            # only trace local ports 80 and 81
    tcplife -D 443              # only trace remote port 443
    tcplife -Tw                 # time column, wide addresses
    tcplife -t -d 10            # seconds since the first session, for 10 seconds
    tcplife --json              # one JSON object per session`,
  options: [
    { short: 'p', long: 'pid', argument: 'PID', description: 'Process ID to trace' },
    { short: '4', long: 'ipv4', description: 'Trace IPv4 only' },
    { short: '6', long: 'ipv6', description: 'Trace IPv6 only' },
    { short: 'w', long: 'wide', description: 'Wide column output (fits IPv6 addresses)' },
    { short: 'T', long: 'time', description: 'Include timestamp on output' },
    { short: 't', long: 'timestamp', description: 'Include seconds since the first session on output' },
    { short: 'd', long: 'duration', argument: 'DURATION', description: 'Duration to trace' },
    { short: 'L', long: 'localport', argument: 'LOCALPORT', description: 'Comma-separated list of local ports to trace.' },
    { short: 'D', long: 'remoteport', argument: 'REMOTEPORT', description: 'Comma-separated list of remote ports to trace.' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    if (flags.has('ipv4') && flags.has('ipv6')) throw new ToolUsageError('-4 and -6 are mutually exclusive');
    return {
      pid: positiveInteger(flags.get('pid'), 'PID', { max: 0x7fff_ffff }),
      family: flags.has('ipv4') ? AF_INET : flags.has('ipv6') ? AF_INET6 : 0,
      wide: flags.has('wide'),
      time: flags.has('time'),
      timestamp: flags.has('timestamp'),
      duration: positiveInteger(flags.get('duration'), 'duration'),
      localPorts: parsePortList(flags.get('localport'), 'Invalid ports', MAX_PORTS),
      remotePorts: parsePortList(flags.get('remoteport'), 'Invalid ports', MAX_PORTS),
      verbose: flags.has('verbose'),
      channel,
    };
  },

  async run(flags, { out, err, signal, stopAfter, json }) {
    if (!tracepointExists('sock', 'inet_sock_set_state')) {
      throw new NotSupportedError('the sock:inet_sock_set_state tracepoint', 'this kernel has none (it came in 4.16)', 'use a kernel of 4.16 or later');
    }
    const spec = await openToolObject(import.meta.url, 'tcplife');
    spec.variables.target_pid!.set(flags.pid ?? 0);
    spec.variables.target_family!.set(flags.family);
    spec.variables.filter_lport!.set(flags.localPorts !== undefined);
    spec.variables.filter_rport!.set(flags.remotePorts !== undefined);
    const channel = chooseEventChannel(spec, { kind: flags.channel });
    if (flags.verbose) err(`tcplife: events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}\n`);

    using object = await loadObject(spec);
    const yes = new Uint8Array([1]);
    for (const port of flags.localPorts ?? []) object.maps.lports!.update(u16Key(port), yes);
    for (const port of flags.remotePorts ?? []) object.maps.rports!.update(u16Key(port), yes);
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    const decode = object.decoder('struct event');
    const width = flags.wide ? 39 : 15;

    if (!json) {
      out.line(`${flags.time ? `${left('TIME(s)', 8)} ` : ''}${flags.timestamp ? `${left('TIME(s)', 9)} ` : ''}${left('PID', 7)} ${left('COMM', 16)} ${left('LADDR', width)} ${left('LPORT', 5)} `
        + `${left('RADDR', width)} ${left('RPORT', 5)} ${left('TX_KB', 6)} ${left('RX_KB', 6)} MS`);
      out.flush();
    }
    if (flags.duration) stopAfter(flags.duration);
    let firstTs: bigint | undefined;
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as SessionEvent;
        const saddr = formatAddress(event.family, record.area.subarray(record.offset + SADDR_OFFSET));
        const daddr = formatAddress(event.family, record.area.subarray(record.offset + DADDR_OFFSET));
        const txKb = Number(event.tx_b) / 1024;
        const rxKb = Number(event.rx_b) / 1024;
        const ms = Number(event.span_us) / 1000;
        firstTs ??= event.ts_us;
        const seconds = Number(event.ts_us - firstTs) / 1e6;
        if (json) {
          out.json({ ...(flags.time ? { time: clockTime() } : {}), ...(flags.timestamp ? { seconds: Number(seconds.toFixed(6)) } : {}), ...event, ip: ipVersion(event.family), saddr, daddr, tx_kb: Number(txKb.toFixed(2)), rx_kb: Number(rxKb.toFixed(2)), ms: Number(ms.toFixed(2)) });
          return;
        }
        out.line(`${flags.time ? `${right(clockTime(), 8)} ` : ''}${flags.timestamp ? `${fixed(seconds, 6, 9)} ` : ''}${left(event.pid, 7)} ${left(event.comm, 16)} ${left(saddr, width)} ${left(event.sport, 5)} `
          + `${left(daddr, width)} ${left(event.dport, 5)} ${fixed(txKb, 2, 6)} ${fixed(rxKb, 2, 6)} ${fixed(ms, 2)}`);
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
