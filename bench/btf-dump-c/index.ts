/**
 * btf-dump-c: `tsbpf btf dump file /sys/kernel/btf/vmlinux format c > /dev/null` against bpftool's
 * same command, whole-process wall time (process start to exit, as a user sees it), alternating the
 * two every round (the order flips each round), one warm-up round discarded, medians. Goal (issue 3):
 * ratio ≤ 1.0. Until the CLI has `btf dump`, ours is dump-file.js, which does the same work (read,
 * parse, format, write); the output says which was timed.
 *
 * Also printed: node's own start-up (`node -e 0`), which every tsbpf command pays, and the
 * in-process split (parse / format / write) from dump-file.js --timings, median over rounds. Before
 * timing, the two outputs are compared once: a fast wrong answer is no result.
 *
 *   npm run bench -- btf-dump-c [--rounds 11] [--file /sys/kernel/btf/vmlinux]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Benchmark, intOption, median, statusFor } from '../harness.js';

const NAME = 'btf-dump-c';
const GOAL = 1.0;

function stringOption(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(`--${name}`);
  if (at >= 0 && argv[at + 1] !== undefined) return argv[at + 1]!;
  const inline = argv.find((arg) => arg.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : fallback;
}

/** Our command line: the CLI when it has `btf dump`, else the stand-in script. */
function ourCommand(file: string): { argv: string[]; label: string } {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const btfCommand = fileURLToPath(new URL('../../src/cli/btf.js', import.meta.url));
  if (existsSync(cli) && existsSync(btfCommand)) {
    return { argv: [process.execPath, cli, 'btf', 'dump', 'file', file, 'format', 'c'], label: 'tsbpf btf dump file F format c' };
  }
  const script = fileURLToPath(new URL('./dump-file.js', import.meta.url));
  return { argv: [process.execPath, script, file], label: 'bench/btf-dump-c/dump-file.js F (CLI has no btf dump yet)' };
}

/** Runs argv with stdout to /dev/null; wall milliseconds from spawn to exit. */
function timeRun(argv: readonly string[], devNull: number): { ms: number; stderr: string } {
  const start = process.hrtime.bigint();
  const child = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${NAME}: ${argv.join(' ')} failed (status ${child.status}): ${child.stderr.trim()}`);
  return { ms, stderr: child.stderr };
}

function output(argv: readonly string[]): Buffer {
  const child = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  if (child.status !== 0) throw new Error(`${NAME}: ${argv.join(' ')} failed (status ${child.status}): ${child.stderr.toString().trim()}`);
  return child.stdout;
}

const benchmark: Benchmark = {
  description: 'tsbpf btf dump file vmlinux format c vs bpftool, whole process wall time (goal ≤ 1.0)',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 11);
    const file = stringOption(argv, 'file', '/sys/kernel/btf/vmlinux');
    if (!existsSync(file)) throw new Error(`${NAME}: ${file} does not exist`);
    const ours = ourCommand(file);
    const theirs = ['bpftool', 'btf', 'dump', 'file', file, 'format', 'c'];
    const script = fileURLToPath(new URL('./dump-file.js', import.meta.url));

    const same = output(ours.argv).equals(output(theirs));
    if (!same) throw new Error(`${NAME}: our output differs from bpftool's for ${file}; fix that before timing`);

    const loadBefore = loadavg()[0]!;
    const devNull = openSync('/dev/null', 'w');
    const oursMs: number[] = [];
    const theirsMs: number[] = [];
    const nodeMs: number[] = [];
    const parseMs: number[] = [];
    const dumpMs: number[] = [];
    const writeMs: number[] = [];
    try {
      for (let round = 0; round <= rounds; round++) {
        const order = round % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
        const timed: Record<string, number> = {};
        for (const side of order) timed[side] = timeRun(side === 'ours' ? ours.argv : theirs, devNull).ms;
        const node = timeRun([process.execPath, '-e', '0'], devNull).ms;
        const split = JSON.parse(timeRun([process.execPath, script, file, '--timings'], devNull).stderr.trim().split('\n').pop()!) as
          { parseMs: number; dumpMs: number; writeMs: number };
        if (round === 0) continue; // warm-up: page cache, binaries, node's code cache
        oursMs.push(timed.ours!);
        theirsMs.push(timed.theirs!);
        nodeMs.push(node);
        parseMs.push(split.parseMs);
        dumpMs.push(split.dumpMs);
        writeMs.push(split.writeMs);
      }
    } finally {
      closeSync(devNull);
    }
    const ratio = median(oursMs) / median(theirsMs);
    const pairs = oursMs.map((ms, i) => ms / theirsMs[i]!);
    const f = (ms: number): string => ms.toFixed(1).padStart(7);
    console.log(`${NAME}: ${file}, ${rounds} rounds (+1 warm-up), outputs identical; load average ${loadBefore.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`);
    console.log(`  ours:    ${ours.label}`);
    console.log(`  tsbpf   ${f(median(oursMs))} ms median wall (min ${f(Math.min(...oursMs))})`);
    console.log(`  bpftool ${f(median(theirsMs))} ms median wall (min ${f(Math.min(...theirsMs))})`);
    console.log(`  node -e 0 ${f(median(nodeMs))} ms (start-up every tsbpf command pays)`);
    console.log(`  in process (dump-file.js): parse ${median(parseMs).toFixed(1)} ms, format ${median(dumpMs).toFixed(1)} ms, write ${median(writeMs).toFixed(1)} ms`);
    console.log(`  paired ratio median ${median(pairs).toFixed(3)}; goal ≤ ${GOAL.toFixed(2)}: ${ratio <= GOAL ? 'met' : 'missed'}`);
    console.log(`${NAME} ratio=${ratio.toFixed(2)}`);
    return statusFor(ratio <= GOAL);
  },
};

export default benchmark;
