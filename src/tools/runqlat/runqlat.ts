/**
 * tsbpf runqlat: libbpf-tools' runqlat from TypeScript — run queue latency as log2 histograms, in total
 * or per process (-P), thread (-L) or PID namespace (--pidnss), printed every interval and at the end.
 * The BPF side keeps the histograms in a hash map; each interval the front end reads, prints and clears
 * them, as libbpf-tools does.
 */
import { loadObject, type BpfObject } from '../../index.js';
import { filterCgroup } from '../common/cgroup-filter.js';
import { chooseTracepointFlavor, parseFlavor, type TracepointFlavor } from '../common/tracepoint-flavor.js';
import { positiveInteger } from '../common/arguments.js';
import { formatLog2Histogram, log2Buckets } from '../common/histogram.js';
import { waitInterval } from '../common/waiting.js';
import { clockTime, left } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject } from '../common/tool-object.js';

/** The key of the one histogram when none of -P, -L, --pidnss splits them (runqlat.h). */
const HIST_KEY_ALL = 0xffff_ffff;

type Grouping = 'all' | 'process' | 'thread' | 'pidns';
export interface RunqlatFlags {
  milliseconds: boolean;
  timestamp: boolean;
  pid: number | undefined;
  grouping: Grouping;
  cgroup: string | undefined;
  /** Seconds between summaries; undefined: one summary at the end. */
  interval: number | undefined;
  /** How many summaries before exiting; undefined: until stopped. */
  count: number | undefined;
  verbose: boolean;
  conflicting: boolean;
  flavor: TracepointFlavor | 'auto';
}

interface Hist {
  slots: number[];
  comm: string;
}

const KEY_LABEL: Record<Exclude<Grouping, 'all'>, string> = { process: 'pid', thread: 'tid', pidns: 'pidns' };

/**
 * Loads one flavor of each hook: tp_btf where the kernel loads it (typed arguments, no copying), raw_tp
 * otherwise — libbpf-tools' choice, made by the same kind of probe. Returns the flavor chosen.
 */
/** The histograms by key (sorted), then cleared for the next interval. */
function takeHistograms(object: BpfObject): [number, Hist][] {
  const map = object.maps.hists!;
  const decode = object.decoder('struct hist');
  const taken: [number, Hist][] = [];
  const keys: Uint8Array[] = [];
  for (const [key, value] of map.entries()) {
    taken.push([new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true), decode(value) as unknown as Hist]);
    keys.push(key);
  }
  for (const key of keys) map.delete(key);
  return taken.sort((a, b) => a[0] - b[0]);
}

export const tool = defineTool<RunqlatFlags>({
  name: 'runqlat',
  summary: 'Summarize run queue (scheduler) latency as a histogram.',
  doc: `USAGE: runqlat [--help] [-T] [-m] [--pidnss] [-L] [-P] [-p PID] [-c CG] [interval] [count]

EXAMPLES:
    runqlat         # summarize run queue latency as a histogram
    runqlat 1 10    # print 1 second summaries, 10 times
    runqlat -mT 1   # 1s summaries, milliseconds, and timestamps
    runqlat -P      # show each PID separately
    runqlat -p 185  # trace PID 185 only
    runqlat -c CG   # Trace process under cgroupsPath CG
    runqlat --json 1 3  # three 1s summaries as JSON lines`,
  options: [
    { short: 'T', long: 'timestamp', description: 'Include timestamp on output' },
    { short: 'm', long: 'milliseconds', description: 'Millisecond histogram' },
    { long: 'pidnss', description: 'Print a histogram per PID namespace' },
    { short: 'P', long: 'pids', description: 'Print a histogram per process ID' },
    { short: 'L', long: 'tids', description: 'Print a histogram per thread ID' },
    { short: 'p', long: 'pid', argument: 'PID', description: 'Trace this PID only' },
    { short: 'c', long: 'cgroup', argument: '/sys/fs/cgroup/unified', description: 'Trace process in cgroup path' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
    { long: 'tracepoints', argument: 'tp_btf|raw_tp', description: 'Hook flavor (tsbpf; default: tp_btf where the kernel loads it)' },
  ],
  positionals: [
    { name: 'interval', description: 'Seconds between summaries (default: one summary at the end)' },
    { name: 'count', description: 'Number of summaries' },
  ],
  parse({ flags, positionals }) {
    if (positionals.length > 2) throw new ToolUsageError(`unrecognized positional argument: ${positionals[2]}`);
    const groupings = (['process', 'thread', 'pidns'] as const).filter((g) => flags.has(g === 'process' ? 'pids' : g === 'thread' ? 'tids' : 'pidnss'));
    return {
      milliseconds: flags.has('milliseconds'),
      timestamp: flags.has('timestamp'),
      pid: positiveInteger(flags.get('pid'), 'PID'),
      grouping: groupings[0] ?? 'all',
      cgroup: flags.get('cgroup') as string | undefined,
      interval: positiveInteger(positionals[0], 'interval'),
      count: positiveInteger(positionals[1], 'count'),
      verbose: flags.has('verbose'),
      conflicting: groupings.length > 1,
      flavor: parseFlavor(flags.get('tracepoints')),
    };
  },

  async run(flags, { out, err, signal, json }) {
    if (flags.conflicting) {
      // libbpf-tools refuses this after parsing, with exit status 1
      err('pidnss, pids, tids cann\'t be used together.\n');
      return 1;
    }
    const spec = await openToolObject(import.meta.url, 'runqlat');
    const flavor = chooseTracepointFlavor(spec, flags.flavor);
    spec.variables.targ_per_process!.set(flags.grouping === 'process');
    spec.variables.targ_per_thread!.set(flags.grouping === 'thread');
    spec.variables.targ_per_pidns!.set(flags.grouping === 'pidns');
    spec.variables.targ_ms!.set(flags.milliseconds);
    spec.variables.targ_tgid!.set(flags.pid ?? 0);
    spec.variables.filter_cg!.set(flags.cgroup !== undefined);
    if (flags.verbose) err(`runqlat: sched_wakeup, sched_wakeup_new and sched_switch through ${flavor}\n`);

    using object = await loadObject(spec);
    if (flags.cgroup !== undefined) filterCgroup(object.maps.cgroup_map!, flags.cgroup);
    object.attachAll();
    const unit = flags.milliseconds ? 'msecs' : 'usecs';
    if (!json) {
      out.line('Tracing run queue latency... Hit Ctrl-C to end.');
      out.flush();
    }

    for (let printed = 1; ; printed++) {
      await waitInterval(flags.interval, signal);
      const histograms = takeHistograms(object);
      const time = flags.timestamp ? clockTime() : undefined;
      if (json) {
        out.json({
          ...(time ? { time } : {}),
          unit,
          histograms: histograms.map(([key, hist]) => ({
            ...(flags.grouping === 'all' ? {} : { [KEY_LABEL[flags.grouping]]: key, comm: hist.comm }),
            buckets: log2Buckets(hist.slots),
          })),
        });
      } else {
        out.line('');
        if (time) out.line(left(time, 8));
        for (const [key, hist] of histograms) {
          if (flags.grouping !== 'all' && key !== HIST_KEY_ALL) out.write(`\n${KEY_LABEL[flags.grouping]} = ${key} ${hist.comm}\n`);
          out.write(formatLog2Histogram(hist.slots, unit));
        }
      }
      out.flush();
      if (signal.aborted || printed === flags.count) return 0;
    }
  },
});
