/**
 * tsbpf biolatency: libbpf-tools' biolatency from TypeScript — block device I/O latency as log2
 * histograms, in total, per disk (-D) or per operation and flags (-F), printed every interval and at the
 * end. Disks are named from /proc/partitions, as libbpf-tools names them.
 */
import { readFileSync } from 'node:fs';
import { loadObject, type BpfObject } from '../../index.js';
import { positiveInteger } from '../common/arguments.js';
import { formatLog2Histogram, log2Buckets } from '../common/histogram.js';
import { waitInterval } from '../common/waiting.js';
import { clockTime, left } from '../common/output.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { openToolObject } from '../common/tool-object.js';
import { filterCgroup } from '../common/cgroup-filter.js';
import { chooseTracepointFlavor, parseFlavor, type TracepointFlavor } from '../common/tracepoint-flavor.js';

/** DISK_NAME_LEN in libbpf-tools: a name and its NUL. */
const DISK_NAME_LEN = 32;
/** The kernel's internal dev_t keeps the minor in its low 20 bits (biolatency.h's MKDEV). */
const MINOR_BITS = 20;

export interface BiolatencyFlags {
  timestamp: boolean;
  milliseconds: boolean;
  queued: boolean;
  perDisk: boolean;
  perFlag: boolean;
  disk: string | undefined;
  cgroup: string | undefined;
  interval: number | undefined;
  count: number | undefined;
  verbose: boolean;
  flavor: TracepointFlavor | 'auto';
}

interface HistKey {
  dev: number;
  op: string;
  flags: number;
}

interface Partition {
  name: string;
  dev: number;
}

/** /proc/partitions: `major minor #blocks name` under a heading line. */
export function readPartitions(text = readFileSync('/proc/partitions', 'utf8')): Partition[] {
  const partitions: Partition[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (match) partitions.push({ name: match[3]!, dev: ((Number(match[1]) << MINOR_BITS) | Number(match[2])) >>> 0 });
  }
  return partitions;
}

/** libbpf-tools' -F names, in the order it prints them: flags first (each with a `-`), then the operation. */
const FLAG_NAMES: readonly (readonly [string, string])[] = [
  ['BIOLAT_FLAG_NOWAIT', 'NoWait'], ['BIOLAT_FLAG_BACKGROUND', 'Background'], ['BIOLAT_FLAG_RAHEAD', 'ReadAhead'],
  ['BIOLAT_FLAG_PREFLUSH', 'PreFlush'], ['BIOLAT_FLAG_FUA', 'FUA'], ['BIOLAT_FLAG_INTEGRITY', 'Integrity'],
  ['BIOLAT_FLAG_IDLE', 'Idle'], ['BIOLAT_FLAG_NOMERGE', 'NoMerge'], ['BIOLAT_FLAG_PRIO', 'Priority'],
  ['BIOLAT_FLAG_META', 'Metadata'], ['BIOLAT_FLAG_SYNC', 'Sync'],
];
const OP_NAMES: Readonly<Record<string, string>> = {
  BIOLAT_OP_READ: 'Read', BIOLAT_OP_WRITE: 'Write', BIOLAT_OP_FLUSH: 'Flush', BIOLAT_OP_DISCARD: 'Discard',
  BIOLAT_OP_SECURE_ERASE: 'SecureErase', BIOLAT_OP_ZONE_APPEND: 'ZoneAppend', BIOLAT_OP_WRITE_ZEROES: 'WriteZeroes',
  BIOLAT_OP_ZONE_OPEN: 'ZoneOpen', BIOLAT_OP_ZONE_CLOSE: 'ZoneClose', BIOLAT_OP_ZONE_FINISH: 'ZoneFinish',
  BIOLAT_OP_ZONE_RESET: 'ZoneReset', BIOLAT_OP_ZONE_RESET_ALL: 'ZoneResetAll', BIOLAT_OP_DRV_IN: 'DrvIn', BIOLAT_OP_DRV_OUT: 'DrvOut',
};

/** The flag names set in `flags`, with the bit of each read from the object's `enum biolat_flag`. */
function flagNames(object: BpfObject, flags: number): string[] {
  const type = object.spec.btf!.findOne('biolat_flag') as { values?: { name: string; value: number }[] } | undefined;
  const bits = new Map((type?.values ?? []).map((value) => [value.name, value.value]));
  return FLAG_NAMES.filter(([name]) => ((bits.get(name) ?? 0) & flags) !== 0).map(([, label]) => label);
}

/** The histograms by key, then cleared for the next interval. */
function takeHistograms(object: BpfObject): [HistKey, number[]][] {
  const map = object.maps.hists!;
  const decodeKey = object.decoder('struct hist_key');
  const decodeHist = object.decoder('struct hist');
  const taken: [HistKey, number[]][] = [];
  const keys: Uint8Array[] = [];
  for (const [key, value] of map.entries()) {
    taken.push([decodeKey(key) as unknown as HistKey, (decodeHist(value) as unknown as { slots: number[] }).slots]);
    keys.push(key);
  }
  for (const key of keys) map.delete(key);
  return taken.sort((a, b) => a[0].dev - b[0].dev || String(a[0].op).localeCompare(String(b[0].op)) || a[0].flags - b[0].flags);
}

export const tool = defineTool<BiolatencyFlags>({
  name: 'biolatency',
  summary: 'Summarize block device I/O latency as a histogram.',
  doc: `USAGE: biolatency [--help] [-T] [-m] [-Q] [-D] [-F] [-d DISK] [-c CG] [interval] [count]

EXAMPLES:
    biolatency              # summarize block I/O latency as a histogram
    biolatency 1 10         # print 1 second summaries, 10 times
    biolatency -mT 1        # 1s summaries, milliseconds, and timestamps
    biolatency -Q           # include OS queued time in I/O time
    biolatency -D           # show each disk device separately
    biolatency -F           # show I/O flags separately
    biolatency -d sdc       # Trace sdc only
    biolatency -c CG        # Trace process under cgroupsPath CG
    biolatency --json 1 3   # three 1s summaries as JSON lines`,
  options: [
    { short: 'T', long: 'timestamp', description: 'Include timestamp on output' },
    { short: 'm', long: 'milliseconds', description: 'Millisecond histogram' },
    { short: 'Q', long: 'queued', description: 'Include OS queued time in I/O time' },
    { short: 'D', long: 'disks', description: 'Print a histogram per disk device' },
    { short: 'F', long: 'flag', description: 'Print a histogram per set of I/O flags' },
    { short: 'd', long: 'disk', argument: 'DISK', description: 'Trace this disk only' },
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
    const disk = flags.get('disk') as string | undefined;
    if (disk !== undefined && disk.length + 1 > DISK_NAME_LEN) throw new ToolUsageError('invaild disk name: too long');
    return {
      timestamp: flags.has('timestamp'),
      milliseconds: flags.has('milliseconds'),
      queued: flags.has('queued'),
      perDisk: flags.has('disks'),
      perFlag: flags.has('flag'),
      disk,
      cgroup: flags.get('cgroup') as string | undefined,
      interval: positiveInteger(positionals[0], 'interval'),
      count: positiveInteger(positionals[1], 'count'),
      verbose: flags.has('verbose'),
      flavor: parseFlavor(flags.get('tracepoints')),
    };
  },

  async run(flags, { out, err, signal, json }) {
    const partitions = readPartitions();
    let targetDev: number | undefined;
    if (flags.disk !== undefined) {
      targetDev = partitions.find((partition) => partition.name === flags.disk)?.dev;
      if (targetDev === undefined) {
        err('invaild partition name: not exist\n');
        return 1;
      }
    }
    const spec = await openToolObject(import.meta.url, 'biolatency');
    const flavor = chooseTracepointFlavor(spec, flags.flavor);
    // the insert hook matters only when the OS queue's time counts (-Q)
    const insert = spec.programs.find((program) => program.name === `block_rq_insert_${flavor === 'tp_btf' ? 'btf' : 'raw'}`);
    if (insert) insert.autoload = flags.queued;
    spec.variables.targ_per_disk!.set(flags.perDisk);
    spec.variables.targ_per_flag!.set(flags.perFlag);
    spec.variables.targ_ms!.set(flags.milliseconds);
    spec.variables.targ_queued!.set(flags.queued);
    spec.variables.filter_dev!.set(targetDev !== undefined);
    spec.variables.targ_dev!.set(targetDev ?? 0);
    spec.variables.filter_cg!.set(flags.cgroup !== undefined);
    if (flags.verbose) err(`biolatency: block_rq_${flags.queued ? 'insert, block_rq_' : ''}issue and block_rq_complete through ${flavor}\n`);

    using object = await loadObject(spec);
    if (flags.cgroup !== undefined) filterCgroup(object.maps.cgroup_map!, flags.cgroup);
    object.attachAll();
    const unit = flags.milliseconds ? 'msecs' : 'usecs';
    const diskName = (dev: number) => partitions.find((partition) => partition.dev === dev)?.name ?? 'Unknown';
    if (!json) {
      out.line('Tracing block device I/O... Hit Ctrl-C to end.');
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
          histograms: histograms.map(([key, slots]) => ({
            ...(flags.perDisk ? { disk: diskName(key.dev) } : {}),
            ...(flags.perFlag ? { flags: [...flagNames(object, key.flags), OP_NAMES[key.op] ?? 'Unknown'] } : {}),
            buckets: log2Buckets(slots),
          })),
        });
      } else {
        out.line('');
        if (time) out.line(left(time, 8));
        for (const [key, slots] of histograms) {
          if (flags.perDisk) out.write(`\ndisk = ${diskName(key.dev)}\t`);
          if (flags.perFlag) out.write(`flags = ${flagNames(object, key.flags).map((name) => `${name}-`).join('')}${OP_NAMES[key.op] ?? 'Unknown'}`);
          out.write('\n');
          out.write(formatLog2Histogram(slots, unit));
        }
      }
      out.flush();
      if (signal.aborted || printed === flags.count) return 0;
    }
  },
});
