/**
 * opensnoop-storm (issue 7): failed opens as fast as our own C load makes them (open-storm.c, one process
 * by default), traced by `tsbpf opensnoop -x -n tsbpf-storm` and by our own C front end on Debian's libbpf
 * (opensnoop-libbpf.c) that loads the same BPF object the tool ships and prepares it the same way (`events`
 * a ring buffer of the size tsbpf's run chose, read from its fdinfo; `use_ringbuf`; `targ_failed`),
 * alternating, several rounds, medians after one warm-up round.
 * Goal: ≥ 0.8× the C front end's printed-event rate with no more lost events. The headline is the worse of
 * the rate ratio and the ratio of the shares of opens printed: the load's speed differs between the sides
 * (see --rate below) and between rounds on a shared machine, the share printed doesn't.
 *
 * Each front end writes to a file on tmpfs (/dev/shm: no disk in the figure) whose lines are counted after
 * it exits; it is started, waited for until its header is there (it is attached by then), then the load
 * storms for --seconds, then the front end gets SIGTERM, drains and exits. Per side:
 *   - printed events per second: data lines over the storm's duration;
 *   - lost: the `Lost N events ...!` lines on stderr summed (the BPF side's `events_dropped` at exit,
 *     perf `Lost N events on CPU #C!` as they come);
 *   - unseen: opens neither printed nor reported lost, a check that should read 0 (a little below when
 *     other processes' failed opens were dropped too, since `events_dropped` counts every drop); above 0,
 *     the BPF programs didn't run for some opens, and their recursion_misses (read from bpftool before
 *     the front end stops) say whether the kernel skipped them;
 *   - CPU seconds per million printed events: the front end's user+sys from the storm's start (/proc/PID/stat)
 *     to its exit (wait4 in run-measured.c), so start-up and load are left out (reported apart).
 * The load is pinned to the first CPU and the front end to the last (`--no-pin` to let them float), so each
 * front end has a core of its own and doesn't compete with the load for one.
 *
 * The load's speed depends on the front end: the ring buffer wakes a consumer that has caught up once per
 * record, on the traced process's CPU, so a front end that keeps up closely makes each traced open dearer
 * than one that lags. `--rate N` paces the load to N opens a second instead, the same offered load for
 * both sides (pick one both can keep up with, e.g. 200000), which makes the lost and CPU figures compare
 * like for like.
 *
 * `--tsbpf-command 'CMD ARGS'` runs another TypeScript front end in tsbpf's place (words split on spaces;
 * it gets `-x -n tsbpf-storm` appended): for measuring a proposed change to the tool before making it.
 *
 *   npm run bench -- opensnoop-storm [--rounds 5] [--seconds 2] [--processes 1] [--rate N] [--no-pin] [--tsbpf-command CMD]
 */
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MapType } from '../../src/maps/map-types.js';
import { buildC, type Benchmark, intOption, median, repoRoot, statusFor } from '../harness.js';
import { loadAverage } from '../ringbuf/index.js';

const GOAL = 0.8;
const COMM = 'tsbpf-storm';
const READY_TIMEOUT_MS = 60_000;
/** A data line both front ends print for the load's opens (-x: failed ones only). */
const STORM_LINE = new RegExp(`^\\d+ +${COMM} +-1 +2 /tmp/tsbpf-storm-\\d+-does-not-exist$`);

type Side = 'tsbpf' | 'libbpf';

interface SideResult {
  opens: number;
  stormNs: number;
  printed: number;
  lost: number;
  /** Front end CPU from the storm's start to its exit, and over its whole life. */
  stormCpuS: number;
  totalCpuS: number;
  /** Runs the kernel skipped for this front end's programs (prog info recursion_misses). */
  skipped: number;
  /** Its programs' ids, for the leak check. */
  programIds: number[];
}

interface Binaries { load: string; frontEnd: string; measured: string }

/** Where the compiled CLI and the tool's object sit: beside this compiled bench (dist/, or a .build-* dir). */
function outputRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function outputDirectory(): string {
  return existsSync('/dev/shm') && statSync('/dev/shm').isDirectory() ? '/dev/shm' : tmpdir();
}

const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a live process, in seconds (/proc/PID/stat fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Lines in a file, its first and last data lines (after the header), read in chunks (it may be 100 MB). */
function countLines(path: string): { lines: number; first: string; last: string } {
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let lines = 0;
  let head = '';
  let tail = '';
  try {
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      for (let at = chunk.indexOf(10); at !== -1 && at < got; at = chunk.indexOf(10, at + 1)) lines++;
      if (head.length < 512) head += chunk.toString('latin1', 0, Math.min(got, 512));
      tail = (tail + chunk.toString('latin1', Math.max(0, got - 512), got)).slice(-512);
    }
  } finally {
    closeSync(fd);
  }
  const headLines = head.split('\n');
  const tailLines = tail.split('\n').filter(Boolean);
  return { lines, first: headLines[1] ?? '', last: tailLines.at(-1) ?? '' };
}

function sumLost(stderr: string): number {
  let lost = 0;
  // `Lost N events on CPU #C!` (perf), `Lost N events (...)!` (the BPF side's drops, worded by each front end)
  for (const match of stderr.matchAll(/^Lost (\d+) events\b.*!$/gm)) lost += Number(match[1]);
  return lost;
}

async function runLoad(binary: string, options: SideOptions): Promise<{ opens: number; ns: number }> {
  const args = [String(options.seconds), String(options.processes), String(options.loadCpu ?? -1), ...(options.rate ? [String(options.rate)] : [])];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const [code] = await once(child, 'exit') as [number | null];
  if (code !== 0) throw new Error(`opensnoop-storm: ${binary} exited with ${String(code)}: ${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as { opens: number; ns: number };
}

interface SideOptions {
  seconds: number;
  processes: number;
  rate?: number;
  frontCpu?: number;
  loadCpu?: number;
  tsbpfCommand: readonly string[];
  /** The ring buffer size tsbpf's front end chose, seen in its run; the C side's -r. */
  ringBytes?: number;
  /** How many programs tsbpf's front end attached (the C side must match). */
  programCount?: number;
}

async function runSide(side: Side, binaries: Binaries, object: string, options: SideOptions): Promise<SideResult> {
  if (side === 'libbpf' && options.ringBytes === undefined) throw new Error('opensnoop-storm: the C side runs after tsbpf has shown its ring size');
  const command = side === 'tsbpf' ? [...options.tsbpfCommand, '-x', '-n', COMM] : [binaries.frontEnd, '-x', '-n', COMM, '-r', String(options.ringBytes), object];
  const path = join(outputDirectory(), `tsbpf-storm-${process.pid}-${side}.out`);
  const outFd = openSync(path, 'w');
  const child = spawn(binaries.measured, [...(options.frontCpu === undefined ? [] : ['-c', String(options.frontCpu)]), '--', ...command], { stdio: ['ignore', outFd, 'pipe'] });
  closeSync(outFd);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let finished = false;
  void exited.then(() => (finished = true));
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (statSync(path).size === 0) {
      if (finished || Date.now() > deadline) throw new Error(`opensnoop-storm: the ${side} front end ${finished ? 'exited' : 'was not ready in time'} before its header: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pid = Number(/^run-measured pid=(\d+)$/m.exec(stderr)?.[1]);
    const cpuAtStart = processCpuSeconds(pid);
    const programIds = programIdsHeldBy(pid);
    if (side === 'tsbpf') {
      const rings = ringBufferSizesHeldBy(pid);
      if (rings.length !== 1) throw new Error(`opensnoop-storm: the tsbpf front end holds ${rings.length} ring buffers, not one (a perf buffer has no libbpf twin here)`);
      if (options.ringBytes !== undefined && options.ringBytes !== rings[0]) throw new Error(`opensnoop-storm: the tsbpf front end's ring changed size from ${options.ringBytes} to ${rings[0]} bytes`);
      options.ringBytes = rings[0];
    }
    if (programIds.length === 0) throw new Error(`opensnoop-storm: the ${side} front end holds no BPF program once ready`);
    if (side === 'tsbpf') options.programCount = programIds.length;
    else if (programIds.length !== options.programCount) throw new Error(`opensnoop-storm: the C front end holds ${programIds.length} programs, tsbpf's ${String(options.programCount)}`);
    const load = await runLoad(binaries.load, options);
    const programs = loadedPrograms();
    const skipped = programIds.reduce((sum, id) => sum + (programs?.get(id)?.misses ?? 0), 0);
    child.kill('SIGTERM');
    const [code] = await exited;
    const usage = /^run-measured (\{.*\})$/m.exec(stderr)?.[1];
    if (code !== 0 || !usage) throw new Error(`opensnoop-storm: the ${side} front end exited with ${String(code)}: ${stderr.trim()}`);
    const cpu = JSON.parse(usage) as { user_us: number; system_us: number };
    const totalCpuS = (cpu.user_us + cpu.system_us) / 1e6;
    const counted = countLines(path);
    for (const line of [counted.first, counted.last]) {
      if (counted.lines > 1 && !STORM_LINE.test(line)) throw new Error(`opensnoop-storm: the ${side} front end printed an unexpected line: ${JSON.stringify(line)}`);
    }
    return { opens: load.opens, stormNs: load.ns, printed: Math.max(0, counted.lines - 1), lost: sumLost(stderr), stormCpuS: totalCpuS - cpuAtStart, totalCpuS, skipped, programIds };
  } finally {
    if (!finished) child.kill('SIGTERM');
    rmSync(path, { force: true });
  }
}

/** `--name value` or `--name=value`, or undefined. */
function stringOption(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3);
  }
  return undefined;
}

const rate = (side: SideResult): number => side.printed / (side.stormNs / 1e9);
const cpuPerMillion = (side: SideResult): number => (side.printed ? (side.stormCpuS / side.printed) * 1e6 : NaN);

/** The BPF programs a process holds (program and link fds both name theirs in fdinfo `prog_id:`). */
function programIdsHeldBy(pid: number): number[] {
  const ids = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const id = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
      if (id) ids.add(Number(id));
    } catch {
      // closed meanwhile
    }
  }
  return [...ids];
}

/** Sizes of the ring buffer maps a process holds (fdinfo `map_type:` and `max_entries:`). */
function ringBufferSizesHeldBy(pid: number): number[] {
  const sizes = new Map<number, number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    if (Number(/^map_type:\s*(\d+)$/m.exec(info)?.[1]) !== MapType.RingBuf) continue;
    sizes.set(Number(/^map_id:\s*(\d+)$/m.exec(info)?.[1]), Number(/^max_entries:\s*(\d+)$/m.exec(info)?.[1]));
  }
  return [...sizes.values()];
}

/** Loaded programs by id with their recursion_misses, as bpftool lists them; null without bpftool. */
function loadedPrograms(): Map<number, { name: string; misses: number }> | null {
  try {
    const listing = JSON.parse(execFileSync('bpftool', ['prog', 'list', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }) || '[]') as Array<{ id: number; name?: string; recursion_misses?: number }>;
    return new Map(listing.map((p) => [p.id, { name: p.name ?? '', misses: p.recursion_misses ?? 0 }]));
  } catch {
    return null;
  }
}

function availableCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').flatMap((part) => {
    const [a, b] = part.trim().split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) return [];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

function formatSide(side: SideResult): string {
  return `${(rate(side) / 1e3).toFixed(1).padStart(6)} k/s printed (${side.printed} of ${side.opens} opens), lost ${side.lost}, unseen ${side.opens - side.printed - side.lost} (kernel skipped ${side.skipped} runs), ${cpuPerMillion(side).toFixed(2)} CPU s/M (${side.stormCpuS.toFixed(2)} s in the storm, ${side.totalCpuS.toFixed(2)} s in all)`;
}

const benchmark: Benchmark = {
  description: 'failed-open storm traced by tsbpf opensnoop -x vs a libbpf C front end on the same object: printed events/s, lost, CPU per event',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 5);
    const seconds = intOption(argv, 'seconds', 2);
    const processes = intOption(argv, 'processes', 1);
    const rateOption = argv.some((arg) => arg === '--rate' || arg.startsWith('--rate=')) ? intOption(argv, 'rate', 1) : undefined;
    const custom = stringOption(argv, 'tsbpf-command');
    const tsbpfCommand = custom ? custom.split(' ').filter(Boolean) : [process.execPath, join(outputRoot(), 'src', 'cli', 'main.js'), 'opensnoop'];
    const object = join(outputRoot(), 'src', 'tools', 'opensnoop', 'opensnoop.bpf.o');
    if (!existsSync(object) || !existsSync(join(outputRoot(), 'src', 'cli', 'main.js'))) {
      throw new Error(`opensnoop-storm: ${object} or the compiled CLI is missing; build the package (npm run build, or OUT=<dir> bash src/tools/build.sh beside tsc's output)`);
    }
    const binaries: Binaries = {
      load: buildC('open-storm', ['bench/opensnoop-storm/open-storm.c']),
      frontEnd: buildC('opensnoop-libbpf', ['bench/opensnoop-storm/opensnoop-libbpf.c'], ['-I', join(repoRoot(), 'src', 'tools', 'opensnoop')]),
      measured: buildC('run-measured', ['bench/opensnoop-storm/run-measured.c']),
    };
    const cpus = availableCpus();
    const pin = !argv.includes('--no-pin') && cpus.length >= 2;
    const placement = pin ? { loadCpu: cpus[0]!, frontCpu: cpus.at(-1)! } : {};
    const loadBefore = loadAverage();
    console.log(`opensnoop-storm: ${processes} load process(es) of failed opens${rateOption ? ` at ${rateOption} a second` : ' as fast as they go'} for ${seconds} s per side per round, tsbpf side \`${tsbpfCommand.join(' ')}\`, front ends -x -n ${COMM} to ${outputDirectory()}, ${pin ? `load on CPU ${placement.loadCpu}, front end on CPU ${placement.frontCpu}` : 'not pinned'}; ${rounds} rounds after one warm-up, alternating; load average ${loadBefore}`);
    const ts: SideResult[] = [];
    const c: SideResult[] = [];
    const held: number[] = [];
    const options: SideOptions = { seconds, processes, ...(rateOption ? { rate: rateOption } : {}), ...placement, tsbpfCommand };
    for (let round = 0; round <= rounds; round++) {
      let a: SideResult;
      let b: SideResult;
      // tsbpf first in the warm-up round: the C side takes its ring size from tsbpf's run
      if (round % 2 === 1) {
        b = await runSide('libbpf', binaries, object, options);
        a = await runSide('tsbpf', binaries, object, options);
      } else {
        a = await runSide('tsbpf', binaries, object, options);
        b = await runSide('libbpf', binaries, object, options);
      }
      held.push(...a.programIds, ...b.programIds);
      const label = round === 0 ? 'warm-up' : `round ${round}`;
      console.log(`${label.padEnd(8)} libbpf ${formatSide(b)}`);
      console.log(`${''.padEnd(8)} tsbpf  ${formatSide(a)}`);
      if (round === 0) continue;
      ts.push(a);
      c.push(b);
    }
    const tsRate = median(ts.map(rate));
    const cRate = median(c.map(rate));
    const rateRatio = tsRate / cRate;
    const share = (side: SideResult): number => side.printed / side.opens;
    const lostShare = (side: SideResult): number => side.lost / side.opens;
    const shareRatio = median(ts.map(share)) / median(c.map(share));
    const ratio = Math.min(rateRatio, shareRatio);
    const tsLost = ts.reduce((sum, side) => sum + side.lost, 0);
    const cLost = c.reduce((sum, side) => sum + side.lost, 0);
    const tsOpens = ts.reduce((sum, side) => sum + side.opens, 0);
    const cOpens = c.reduce((sum, side) => sum + side.opens, 0);
    const tsCpu = median(ts.map(cpuPerMillion));
    const cCpu = median(c.map(cpuPerMillion));
    const loadRate = (sides: SideResult[]): number => median(sides.map((side) => side.opens / (side.stormNs / 1e9)));
    console.log('');
    console.log(`load        libbpf ${(loadRate(c) / 1e3).toFixed(1)} k opens/s   tsbpf ${(loadRate(ts) / 1e3).toFixed(1)} k opens/s (median; the front end's wakeups slow the opens it traces)`);
    console.log(`printed     libbpf ${(cRate / 1e3).toFixed(1)} k events/s   tsbpf ${(tsRate / 1e3).toFixed(1)} k events/s   ratio ${rateRatio.toFixed(3)} (goal ≥ ${GOAL.toFixed(1)})`);
    console.log(`share       libbpf ${(median(c.map(share)) * 100).toFixed(2)}%   tsbpf ${(median(ts.map(share)) * 100).toFixed(2)}% of the opens printed   ratio ${shareRatio.toFixed(3)}`);
    const tsLostShare = median(ts.map(lostShare));
    const cLostShare = median(c.map(lostShare));
    console.log(`lost        libbpf ${cLost} in all, median ${(cLostShare * 100).toFixed(2)}% of a round's opens   tsbpf ${tsLost} in all, median ${(tsLostShare * 100).toFixed(2)}%   (goal: tsbpf's median no more than libbpf's; of ${cOpens} and ${tsOpens} opens)`);
    console.log(`CPU         libbpf ${cCpu.toFixed(2)} s per M events   tsbpf ${tsCpu.toFixed(2)} s per M events   ratio ${(tsCpu / cCpu).toFixed(2)} (time ratio, reported)`);
    console.log(`start-up    libbpf ${median(c.map((s) => s.totalCpuS - s.stormCpuS)).toFixed(2)} CPU s   tsbpf ${median(ts.map((s) => s.totalCpuS - s.stormCpuS)).toFixed(2)} CPU s (open, load, attach before the storm; reported)`);
    console.log(`ring buffer ${(options.ringBytes ?? 0) / 1024} KiB on both sides (tsbpf's choice); load average ${loadBefore} before, ${loadAverage()} after`);
    const goalMet = ratio >= GOAL && tsLostShare <= cLostShare;
    console.log(`goal (≥ ${GOAL.toFixed(1)}× the rate and share printed, no more lost): ${goalMet ? 'met' : `not met${ratio < GOAL ? '; too slow' : ''}${tsLostShare > cLostShare ? '; more lost' : ''}`}`);
    let status = statusFor(goalMet);
    const after = loadedPrograms();
    if (after) {
      const leaked = held.filter((id) => after.has(id));
      if (leaked.length) {
        console.log(`LEAK: programs of our front ends left in the kernel: ids ${leaked.join(', ')}`);
        status = 1;
      } else {
        console.log('no program of our front ends left in the kernel (bpftool prog list)');
      }
    }
    console.log(`opensnoop-storm ratio=${ratio.toFixed(2)}`);
    return status;
  },
};

export default benchmark;
