/**
 * prog-list: listing the kernel's programs with 200 of our own loaded. tsbpf in process —
 * `listPrograms()` (owners included) plus bpftool-format text — against `bpftool prog list` as a whole
 * process (Debian's bpftool 7.1, which prints to /dev/null here), alternating which goes first, several
 * rounds, medians. Goal (issue 5): ≤ 1.0×. The minimum of each side and the load average are printed
 * beside the medians: on a shared machine the minimum shows the cost without other processes' preemption. Reported beside it: tsbpf's whole process
 * (`node dist/src/cli/main.js prog list`, or this build's main.js), which pays Node's start-up.
 *
 * The 200 programs are one small socket filter loaded 200 times, named `bench_prog_list`, closed at the
 * end; the leak check looks for that name.
 *
 * Headline mode: `listPrograms()` as a caller that asks once per refresh gets it — the owners iterator
 * prepared once per process (src/loader/prepared-program.ts) but loaded, attached, read and closed on
 * every call. Reported beside it, not in the headline: the same listing with an open OwnersScanner
 * (`listPrograms({ owners: scanner })`: the iterator stays loaded, each call is one iterator session).
 *
 * Two phases, each `--rounds` rounds: cold (the process's first listings, while V8 still interprets
 * and compiles the lister, on the one CPU the bench is pinned to) and, after `--warmup N` (default 30)
 * more listings, warm. The headline is the warm phase: the in-process figure stands for the library as
 * a dashboard or exporter calls it, refresh after refresh, just as it leaves out Node's start-up; a
 * process's first calls pay V8's compilation once, like its start-up, and are reported beside it (cold),
 * as is the whole `tsbpf prog list` process.
 *
 *   npm run bench -- prog-list [--programs 200] [--rounds 9] [--warmup N] [--no-pin]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProgramBuilder, R0 } from '../../src/asm/builder.js';
import { formatProgramText } from '../../src/inspect/program-text.js';
import { listPrograms } from '../../src/inspect/programs.js';
import { openOwnersScanner, prepareOwnersIterator, type OwnersScanner } from '../../src/inspect/owners.js';
import { Program } from '../../src/programs/program.js';
import { ProgramType } from '../../src/programs/program-types.js';
import { type Benchmark, intOption, median, nowNs, pinToOneCpu, statusFor } from '../harness.js';

const GOAL = 1.0;
const NAME = 'bench_prog_list';

function inProcess(scanner?: OwnersScanner): { ns: number; programs: number } {
  const start = nowNs();
  const text = listPrograms(scanner ? { owners: scanner } : {}).map(formatProgramText).join('');
  const ns = Number(nowNs() - start);
  return { ns, programs: text.split('\n').filter((line) => /^\d+: /.test(line)).length };
}

function bpftoolProcess(): number {
  const start = nowNs();
  execFileSync('bpftool', ['prog', 'list'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Number(nowNs() - start);
}

function tsbpfProcess(cli: string): number {
  const start = nowNs();
  const result = spawnSync(process.execPath, [cli, 'prog', 'list'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`prog-list: ${cli} prog list exited ${result.status}`);
  return Number(nowNs() - start);
}

interface Rounds {
  ours: number[];
  theirs: number[];
  whole: number[];
  kept: number[];
  listed: number;
}

/** `rounds` alternating rounds (after one unrecorded warm-up round): in process, bpftool, scanner, tsbpf process. */
function measureRounds(rounds: number, cli: string, scanner: OwnersScanner | undefined, warm: boolean): Rounds {
  const result: Rounds = { ours: [], theirs: [], whole: [], kept: [], listed: 0 };
  for (let round = 0; round <= rounds; round++) {
    let o: { ns: number; programs: number };
    let t: number;
    if (round % 2 === 0) {
      o = inProcess();
      t = bpftoolProcess();
    } else {
      t = bpftoolProcess();
      o = inProcess();
    }
    const k = scanner ? inProcess(scanner).ns : NaN;
    const w = tsbpfProcess(cli);
    result.listed = o.programs;
    const label = round === 0 ? 'warm-up ' : `${warm ? 'warm' : 'cold'} ${round}`.padEnd(8);
    console.log(`${label} tsbpf in process ${(o.ns / 1e6).toFixed(2)} ms  bpftool ${(t / 1e6).toFixed(2)} ms  scanner ${(k / 1e6).toFixed(2)} ms  tsbpf process ${(w / 1e6).toFixed(2)} ms  (${o.programs} programs)`);
    if (round === 0) continue;
    result.ours.push(o.ns);
    result.theirs.push(t);
    result.whole.push(w);
    result.kept.push(k);
  }
  return result;
}

function ourProgramCount(): number {
  const listing = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as { name?: string }[];
  return listing.filter((entry) => entry.name === NAME).length;
}

const benchmark: Benchmark = {
  description: 'listPrograms() + bpftool text in process vs the bpftool prog list process, 200 programs loaded',
  async run(argv) {
    const count = intOption(argv, 'programs', 200);
    const rounds = intOption(argv, 'rounds', 9);
    const warmup = intOption(argv, 'warmup', 30);
    console.log(pinToOneCpu(argv));
    const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
    console.log(`load average ${load()}`);
    const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
    // a long-running lister (the dashboard, the exporter) loads the owners iterator once
    const method = await prepareOwnersIterator();
    console.log(`owners: ${method}; headline: listPrograms() once per refresh (the iterator loaded for each call); reported: with an open OwnersScanner`);
    const scanner = method === 'iterator' ? await openOwnersScanner() : undefined;
    const code = new ProgramBuilder().mov(R0, 0).exit().assemble();
    const programs: Program[] = [];
    let status: number;
    let ratioLine = 'prog-list ratio=NaN';
    try {
      for (let i = 0; i < count; i++) programs.push(Program.load({ type: ProgramType.SocketFilter, instructions: code.instructions, name: NAME }));
      const ms = (ns: number) => (ns / 1e6).toFixed(2);
      const cold = measureRounds(rounds, cli, scanner, false);
      for (let i = 0; i < warmup; i++) inProcess();
      console.log(`${warmup} more listings in process (--warmup ${warmup}), then the headline rounds`);
      const warm = measureRounds(rounds, cli, scanner, true);
      const listed = Math.min(cold.listed, warm.listed);
      if (listed < count) throw new Error(`prog-list: listed ${listed} programs, loaded ${count}`);
      const ratio = median(warm.ours) / median(warm.theirs);
      const coldRatio = median(cold.ours) / median(cold.theirs);
      console.log('');
      console.log(`prog list (${listed} programs, headline: a lister past its first ${warmup + rounds + 1} calls, the iterator loaded per call)   bpftool process ${ms(median(warm.theirs))} ms   tsbpf in process ${ms(median(warm.ours))} ms   ratio ${ratio.toFixed(3)} (goal ≤ ${GOAL.toFixed(1)})`);
      console.log(`minimum of each (reported)   bpftool process ${ms(Math.min(...warm.theirs))} ms   tsbpf in process ${ms(Math.min(...warm.ours))} ms   ratio ${(Math.min(...warm.ours) / Math.min(...warm.theirs)).toFixed(3)}`);
      console.log(`cold: the first rounds of a fresh process, V8 still compiling the lister (reported)   bpftool process ${ms(median(cold.theirs))} ms   tsbpf in process ${ms(median(cold.ours))} ms   ratio ${coldRatio.toFixed(3)}`);
      if (scanner) console.log(`with an open OwnersScanner (reported)   tsbpf in process ${ms(median(warm.kept))} ms   ratio ${(median(warm.kept) / median(warm.theirs)).toFixed(3)}`);
      console.log(`tsbpf whole process (node main.js prog list; reported)   ${ms(median(cold.whole))} ms   ratio ${(median(cold.whole) / median(cold.theirs)).toFixed(3)}`);
      console.log(`load average ${load()}`);
      status = statusFor(ratio <= GOAL);
      ratioLine = `prog-list ratio=${ratio.toFixed(2)}`;
    } finally {
      scanner?.close();
      for (const program of programs) program.close();
    }
    for (let tries = 0; tries < 60 && ourProgramCount() > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    const left = ourProgramCount();
    if (left > 0) {
      console.log(`LEAK: ${left} ${NAME} programs left in the kernel`);
      status = 1;
    }
    console.log(ratioLine);
    return status;
  },
};

export default benchmark;
