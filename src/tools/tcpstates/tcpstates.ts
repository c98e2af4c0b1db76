/**
 * tsbpf tcpstates: libbpf-tools' tcpstates — every TCP state change with the socket's address, both
 * ends, the old and new state, and the milliseconds spent in the old one. From the
 * sock:inet_sock_set_state tracepoint; the kprobes that stamp a socket's creation load only where the
 * kernel has a kprobe PMU (without them a socket's first change shows 0.000).
 */
import { link, loadObject, NotSupportedError } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { AF_INET, AF_INET6, formatAddress, ipVersion, parsePortList, tcpStateName, u16Key } from '../common/inet.js';
import { clockTime, left, right } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject, tracepointExists } from '../common/tool-object.js';

const MAX_PORTS = 10240;
const CREATION_KPROBES = ['tcp_v4_init_sock', 'tcp_v6_init_sock'];
/** Addresses lead the struct (the decoder reads __u8 arrays as text, so they are sliced as bytes). */
const SADDR_OFFSET = 0;
const DADDR_OFFSET = 16;

interface StateEvent {
  comm: string;
  skaddr: bigint;
  ts_us: bigint;
  delta_us: bigint;
  pid: number;
  oldstate: number;
  newstate: number;
  family: number;
  sport: number;
  dport: number;
}

export interface TcpstatesFlags {
  verbose: boolean;
  timestamp: boolean;
  family: number;
  wide: boolean;
  localPorts: number[] | undefined;
  remotePorts: number[] | undefined;
  duration: number | undefined;
  channel: EventChannelKind | 'auto';
}

export const tool = defineTool<TcpstatesFlags>({
  name: 'tcpstates',
  summary: 'Trace TCP session state changes and durations.',
  doc: `USAGE: tcpstates [-4] [-6] [-T] [-L lport] [-D dport] [-w] [-d DURATION] [--json]

EXAMPLES:
    tcpstates                  # trace all TCP state changes
    tcpstates -T               # include timestamps
    tcpstates -L 80            # only trace local port 80
    tcpstates -D 80            # only trace remote port 80
    tcpstates -w               # wide columns, with the IP version (fits IPv6 addresses)
    tcpstates --json           # one JSON object per state change`,
  options: [
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { short: 'T', long: 'timestamp', description: 'Include timestamp on output' },
    { short: '4', long: 'ipv4', description: 'Trace IPv4 family only' },
    { short: '6', long: 'ipv6', description: 'Trace IPv6 family only' },
    { short: 'w', long: 'wide', description: 'Wide column output (fits IPv6 addresses)' },
    { short: 'L', long: 'localport', argument: 'LPORT', description: 'Comma-separated list of local ports to trace.' },
    { short: 'D', long: 'remoteport', argument: 'DPORT', description: 'Comma-separated list of remote ports to trace.' },
    { short: 'd', long: 'duration', argument: 'DURATION', description: 'Duration to trace' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    if (flags.has('ipv4') && flags.has('ipv6')) throw new ToolUsageError('-4 and -6 are mutually exclusive');
    return {
      verbose: flags.has('verbose'),
      timestamp: flags.has('timestamp'),
      family: flags.has('ipv4') ? AF_INET : flags.has('ipv6') ? AF_INET6 : 0,
      wide: flags.has('wide'),
      localPorts: parsePortList(flags.get('localport'), 'Invalid ports', MAX_PORTS),
      remotePorts: parsePortList(flags.get('remoteport'), 'Invalid ports', MAX_PORTS),
      duration: positiveInteger(flags.get('duration'), 'duration'),
      channel,
    };
  },

  async run(flags, { out, err, signal, stopAfter, json }) {
    if (!tracepointExists('sock', 'inet_sock_set_state')) {
      throw new NotSupportedError('the sock:inet_sock_set_state tracepoint', 'this kernel has none (it came in 4.16)', 'use a kernel of 4.16 or later');
    }
    const spec = await openToolObject(import.meta.url, 'tcpstates');
    const kprobes = link.probePmu('kprobe');
    for (const program of spec.programs) {
      if (CREATION_KPROBES.includes(program.name)) program.autoload = typeof kprobes !== 'string';
    }
    spec.variables.target_family!.set(flags.family);
    spec.variables.filter_lport!.set(flags.localPorts !== undefined);
    spec.variables.filter_rport!.set(flags.remotePorts !== undefined);
    const channel = chooseEventChannel(spec, { kind: flags.channel });
    if (flags.verbose) {
      err(`tcpstates: ${typeof kprobes === 'string' ? `no creation stamps (${kprobes})` : 'creation stamped by kprobes on tcp_v4_init_sock/tcp_v6_init_sock'}; events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}\n`);
    }

    using object = await loadObject(spec);
    const yes = new Uint8Array([1]);
    for (const port of flags.localPorts ?? []) object.maps.lports!.update(u16Key(port), yes);
    for (const port of flags.remotePorts ?? []) object.maps.rports!.update(u16Key(port), yes);
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    const decode = object.decoder('struct event');

    if (!json) {
      const time = flags.timestamp ? `${left('TIME(s)', 8)} ` : '';
      out.line(flags.wide
        ? `${time}${left('SKADDR', 16)} ${left('PID', 7)} ${left('COMM', 16)} ${left('IP', 2)} ${left('LADDR', 26)} ${left('LPORT', 5)} ${left('RADDR', 26)} ${left('RPORT', 5)} ${left('OLDSTATE', 11)} -> ${left('NEWSTATE', 11)} MS`
        : `${time}${left('SKADDR', 16)} ${left('PID', 7)} ${left('COMM', 10)} ${left('LADDR', 15)} ${left('LPORT', 5)} ${left('RADDR', 15)} ${left('RPORT', 5)} ${left('OLDSTATE', 11)} -> ${left('NEWSTATE', 11)} MS`);
      out.flush();
    }
    if (flags.duration) stopAfter(flags.duration);
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as StateEvent;
        const saddr = formatAddress(event.family, record.area.subarray(record.offset + SADDR_OFFSET));
        const daddr = formatAddress(event.family, record.area.subarray(record.offset + DADDR_OFFSET));
        const ms = (Number(event.delta_us) / 1000).toFixed(3);
        const skaddr = event.skaddr.toString(16);
        const oldstate = tcpStateName(event.oldstate);
        const newstate = tcpStateName(event.newstate);
        if (json) {
          out.json({ ...(flags.timestamp ? { time: clockTime() } : {}), ...event, skaddr, ip: ipVersion(event.family), saddr, daddr, oldstate, newstate, ms: Number(ms) });
          return;
        }
        const time = flags.timestamp ? `${right(clockTime(), 8)} ` : '';
        out.line(flags.wide
          ? `${time}${left(skaddr, 16)} ${left(event.pid, 7)} ${left(event.comm, 16)} ${left(ipVersion(event.family), 2)} ${left(saddr, 26)} ${left(event.sport, 5)} ${left(daddr, 26)} ${left(event.dport, 5)} ${left(oldstate, 11)} -> ${left(newstate, 11)} ${ms}`
          : `${time}${left(skaddr, 16)} ${left(event.pid, 7)} ${left(event.comm.slice(0, 10), 10)} ${left(saddr, 15)} ${left(event.sport, 5)} ${left(daddr, 15)} ${left(event.dport, 5)} ${left(oldstate, 11)} -> ${left(newstate, 11)} ${ms}`);
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
