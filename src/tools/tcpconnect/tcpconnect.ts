/**
 * tsbpf tcpconnect: libbpf-tools' tcpconnect — active TCP connects, one line each, or with -c a count per
 * flow printed at the end. Where the kernel has a kprobe PMU it hooks tcp_v4_connect/tcp_v6_connect as
 * libbpf-tools does; elsewhere it sees the connect through the sock:inet_sock_set_state tracepoint (the
 * CLOSE -> SYN_SENT step happens inside the connecting thread) and reports at sys_exit_connect, when the
 * source port is known. `--attach` picks one by hand.
 */
import { link, loadObject, NotSupportedError, type ObjectSpec } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { chooseEventChannel, EVENTS_OPTION, EventStream, parseEventChannel, type EventChannelKind } from '../common/event-channel.js';
import { AF_INET, AF_INET6, formatAddress, ipVersion, parsePortList } from '../common/inet.js';
import { left } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { untilAborted } from '../common/waiting.js';
import { openToolObject, tracepointExists } from '../common/tool-object.js';

const INVALID_UID = 0xffff_ffff;
const MAX_PORTS = 64;
const KPROBE_PROGRAMS = ['tcp_v4_connect', 'tcp_v4_connect_ret', 'tcp_v6_connect', 'tcp_v6_connect_ret'];
const TRACEPOINT_PROGRAMS = ['connect_syn_sent', 'connect_exit'];

export type ConnectHook = 'kprobe' | 'tracepoint';

/** Addresses lead both structs (the decoder reads __u8 arrays as text, so they are sliced as bytes). */
const SADDR_OFFSET = 0;
const DADDR_OFFSET = 16;

interface ConnectEvent {
  comm: string;
  ts_us: bigint;
  af: number;
  pid: number;
  uid: number;
  sport: number;
  dport: number;
}

interface FlowKey {
  saddr: Uint8Array;
  daddr: Uint8Array;
  af: number;
  sport: number;
  dport: number;
}

export interface TcpconnectFlags {
  verbose: boolean;
  timestamp: boolean;
  count: boolean;
  printUid: boolean;
  pid: number | undefined;
  uid: number | undefined;
  sourcePort: boolean;
  ports: number[] | undefined;
  family: number;
  duration: number | undefined;
  hook: ConnectHook | 'auto';
  channel: EventChannelKind | 'auto';
}

/** kprobes where the kernel has its PMU (libbpf-tools' hooks), else the tracepoints. */
export function chooseConnectHook(asked: ConnectHook | 'auto'): { hook: ConnectHook; why: string } {
  if (asked !== 'auto') return { hook: asked, why: 'as asked' };
  const pmu = link.probePmu('kprobe');
  return typeof pmu === 'string'
    ? { hook: 'tracepoint', why: pmu }
    : { hook: 'kprobe', why: 'the kernel has a kprobe PMU' };
}

function selectHook(spec: ObjectSpec, hook: ConnectHook): void {
  const wanted = new Set(hook === 'kprobe' ? KPROBE_PROGRAMS : TRACEPOINT_PROGRAMS);
  for (const program of spec.programs) program.autoload = wanted.has(program.name);
  if (hook === 'tracepoint') {
    for (const [category, name] of [['sock', 'inet_sock_set_state'], ['syscalls', 'sys_exit_connect']] as const) {
      if (!tracepointExists(category, name)) {
        throw new NotSupportedError(`tcpconnect's ${category}:${name} tracepoint`, 'this kernel has no such tracepoint and no kprobe PMU', 'use a kernel with CONFIG_KPROBE_EVENTS or with the tracepoint (4.16+)');
      }
    }
  }
}

function eventsHeader(flags: TcpconnectFlags): string {
  return `${flags.timestamp ? left('TIME(s)', 9) : ''}${flags.printUid ? left('UID', 6) : ''}`
    + `${left('PID', 6)} ${left('COMM', 16)} ${left('IP', 2)} ${left('SADDR', 16)} ${left('DADDR', 16)}`
    + `${flags.sourcePort ? ` ${left('SPORT', 5)}` : ''} ${left('DPORT', 5)}`;
}

function countsTable(flows: { key: FlowKey; connects: bigint }[], flags: TcpconnectFlags): string[] {
  const lines = ['', `${left('LADDR', 25)} ${left('RADDR', 25)}${flags.sourcePort ? ` ${left('LPORT', 20)}` : ''} ${left('RPORT', 20)} ${left('CONNECTS', 10)}`];
  // libbpf-tools prints its IPv4 map, then its IPv6 map
  const ordered = [...flows.filter((flow) => flow.key.af === AF_INET), ...flows.filter((flow) => flow.key.af === AF_INET6)];
  for (const { key, connects } of ordered) {
    lines.push(`${left(formatAddress(key.af, key.saddr), 25)} ${left(formatAddress(key.af, key.daddr), 25)}`
      + `${flags.sourcePort ? ` ${left(key.sport, 20)}` : ''} ${left(key.dport, 20)} ${left(String(connects), 10)}`);
  }
  return lines;
}


export const tool = defineTool<TcpconnectFlags>({
  name: 'tcpconnect',
  summary: 'Count/Trace active tcp connections',
  doc: `USAGE: tcpconnect [-h] [-t] [-p PID] [-P PORTS] [-U] [-u UID] [-c] [-s] [-4] [-6]
                  [-d DURATION] [--json]

EXAMPLES:
    tcpconnect             # trace all TCP connect()s
    tcpconnect -t          # include timestamps
    tcpconnect -p 181      # only trace PID 181
    tcpconnect -P 80       # only trace port 80
    tcpconnect -P 80,81    # only trace port 80 and 81
    tcpconnect -U          # include UID
    tcpconnect -u 1000     # only trace UID 1000
    tcpconnect -c          # count connects per src, dest, port
    tcpconnect -s          # include the source (local) port; -L is the same
    tcpconnect -4          # trace IPv4 only
    tcpconnect -d 10       # trace for 10 seconds only
    tcpconnect --json      # one JSON object per connect`,
  options: [
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { short: 't', long: 'timestamp', description: 'Include timestamp on output' },
    { short: 'c', long: 'count', description: 'Count connects per src ip and dst ip/port' },
    { short: 'U', long: 'print-uid', description: 'Include UID on output' },
    { short: 'p', long: 'pid', argument: 'PID', description: 'Process PID to trace' },
    { short: 'u', long: 'uid', argument: 'UID', description: 'Process UID to trace' },
    { short: 's', long: 'source-port', description: 'Consider source port when counting' },
    { short: 'L', long: 'lport', description: 'Include LPORT on output (same as -s)' },
    { short: 'P', long: 'port', argument: 'PORTS', description: 'Comma-separated list of destination ports to trace' },
    { short: '4', long: 'ipv4', description: 'Trace IPv4 family only' },
    { short: '6', long: 'ipv6', description: 'Trace IPv6 family only' },
    { short: 'd', long: 'duration', argument: 'DURATION', description: 'Duration to trace' },
    { long: 'attach', argument: 'kprobe|tracepoint', description: 'Hook (tsbpf; default: kprobes where the kernel has them)' },
    EVENTS_OPTION,
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 0) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[0]}`);
    const channel = parseEventChannel(flags.get('events'));
    const hook = flags.get('attach') ?? 'auto';
    if (hook !== 'auto' && hook !== 'kprobe' && hook !== 'tracepoint') throw new ToolUsageError(`Invalid attach point: ${String(hook)}`);
    if (flags.has('ipv4') && flags.has('ipv6')) throw new ToolUsageError('-4 and -6 are mutually exclusive');
    const pid = flags.get('pid');
    const uid = flags.get('uid');
    const reword = <T>(parse: () => T, message: string): T => {
      try {
        return parse();
      } catch {
        throw new ToolUsageError(message);
      }
    };
    return {
      verbose: flags.has('verbose'),
      timestamp: flags.has('timestamp'),
      count: flags.has('count'),
      printUid: flags.has('print-uid'),
      pid: reword(() => positiveInteger(pid, 'PID', { max: 0x7fff_ffff }), `invalid PID: ${String(pid)}`),
      uid: reword(() => positiveInteger(uid, 'UID', { allowZero: true, max: INVALID_UID - 1 }), `invalid UID: ${String(uid)}`),
      sourcePort: flags.has('source-port') || flags.has('lport'),
      ports: parsePortList(flags.get('port'), 'invalid PORT_LIST', MAX_PORTS),
      family: flags.has('ipv4') ? AF_INET : flags.has('ipv6') ? AF_INET6 : 0,
      duration: positiveInteger(flags.get('duration'), 'duration'),
      hook,
      channel,
    };
  },

  async run(flags, { out, err, signal, stopAfter, json }) {
    const spec = await openToolObject(import.meta.url, 'tcpconnect');
    const { hook, why } = chooseConnectHook(flags.hook);
    selectHook(spec, hook);
    spec.variables.filter_pid!.set(flags.pid ?? 0);
    spec.variables.filter_uid!.set(flags.uid ?? INVALID_UID);
    spec.variables.filter_family!.set(flags.family);
    const ports = new Array<number>(MAX_PORTS).fill(0);
    flags.ports?.forEach((port, i) => { ports[i] = port; });
    spec.variables.filter_ports!.set(ports);
    spec.variables.filter_ports_len!.set(flags.ports?.length ?? 0);
    spec.variables.do_count!.set(flags.count);
    spec.variables.source_port!.set(flags.sourcePort);
    const channel = chooseEventChannel(spec, { kind: flags.channel });
    if (flags.verbose) err(`tcpconnect: ${hook === 'kprobe' ? 'kprobes on tcp_v4_connect/tcp_v6_connect' : 'tracepoints sock:inet_sock_set_state and syscalls:sys_exit_connect'} (${why}); events through a ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}\n`);

    using object = await loadObject(spec);
    // the reader first: a perf buffer refuses records until its CPU slots are filled
    using stream = EventStream.open(object, channel);
    object.attachAll();
    if (flags.duration) stopAfter(flags.duration);

    if (flags.count) {
      await untilAborted(signal);
      const decodeKey = object.decoder('struct flow_key');
      const flows = [...object.maps.flow_counts!.entries()].map(([key, value]) => ({
        key: { ...(decodeKey(key) as unknown as FlowKey), saddr: key.subarray(SADDR_OFFSET, SADDR_OFFSET + 16), daddr: key.subarray(DADDR_OFFSET, DADDR_OFFSET + 16) },
        connects: new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0, true),
      }));
      if (json) {
        for (const { key, connects } of flows) {
          out.json({ ip: ipVersion(key.af), saddr: formatAddress(key.af, key.saddr), daddr: formatAddress(key.af, key.daddr), ...(flags.sourcePort ? { sport: key.sport } : {}), dport: key.dport, connects });
        }
      } else {
        for (const line of countsTable(flows, flags)) out.line(line);
      }
      return 0;
    }

    const decode = object.decoder('struct event');
    if (!json) {
      out.line(eventsHeader(flags));
      out.flush();
    }
    let firstTs: bigint | undefined;
    await stream.run(signal, {
      onEvent(record) {
        const event = decode(record.area, record.offset) as unknown as ConnectEvent;
        if (event.af !== AF_INET && event.af !== AF_INET6) {
          err(`broken event: event->af=${event.af}\n`);
          return;
        }
        firstTs ??= event.ts_us;
        const seconds = Number(event.ts_us - firstTs) / 1e6;
        const saddr = formatAddress(event.af, record.area.subarray(record.offset + SADDR_OFFSET));
        const daddr = formatAddress(event.af, record.area.subarray(record.offset + DADDR_OFFSET));
        if (json) {
          out.json({ ...(flags.timestamp ? { time: Number(seconds.toFixed(3)) } : {}), ...event, ip: ipVersion(event.af), saddr, daddr });
          return;
        }
        out.line(`${flags.timestamp ? left(seconds.toFixed(3), 9) : ''}${flags.printUid ? left(event.uid, 6) : ''}`
          + `${left(event.pid, 6)} ${left(event.comm.slice(0, 16), 16)} ${left(ipVersion(event.af), 2)} ${left(saddr, 16)} ${left(daddr, 16)}`
          + `${flags.sourcePort ? ` ${left(event.sport, 5)}` : ''} ${left(event.dport, 5)}`);
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
