/**
 * load: open + load + close of an opensnoop-sized object with CO-RE relocations, in process, tsbpf's
 * `loadObject(path)` + `close()` against our own C on Debian's libbpf (`bpf_object__open_file` +
 * `bpf_object__load` + `bpf_object__close`, libbpf-load.c, built here into bench/.build/). Goal (issue 4):
 * ≤ 1.0×.
 *
 * The object is corpus/loader/bench_opensnoop.bpf.o: six tracepoint programs, a hash map, a ring buffer,
 * .rodata filters and task_struct CO-RE reads. Each side does `iterations` open+load+close cycles per
 * round and reports their median; rounds alternate which side goes first; figures are medians over
 * rounds after one warm-up round. Both sides read the file and the kernel's BTF as they normally do (the
 * C side is a fresh process per round, as libbpf keeps nothing between objects; tsbpf keeps what its
 * process has cached, as a long-lived tool would: the parsed kernel BTF above all). So a second figure,
 * reported beside the headline, is one load in a fresh process on each side.
 *
 *   npm run bench -- load [--rounds 7] [--iterations 10] [--no-pin]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadObject } from '../../src/loader/index.js';
import { buildC, type Benchmark, intOption, median, nowNs, pinToOneCpu, repoRoot, runJson, statusFor } from '../harness.js';

const GOAL = 1.0;
const OBJECT = 'corpus/.build/loader/bench_opensnoop.bpf.o';
/** The object's programs as the kernel names them (15 characters), for the leak check. */
const PROGRAM_NAMES = ['opensnoop_enter_open', 'opensnoop_enter_openat', 'opensnoop_enter_openat2', 'opensnoop_exit_open',
  'opensnoop_exit_openat', 'opensnoop_exit_openat2'].map((name) => name.slice(0, 15));

async function tsRound(path: string, iterations: number): Promise<{ ns: number; programs: number; maps: number }> {
  const times: number[] = [];
  let programs = 0;
  let maps = 0;
  for (let i = 0; i < iterations; i++) {
    const start = nowNs();
    const object = await loadObject(path);
    if (i === 0) {
      programs = Object.keys(object.programs).length;
      maps = Object.keys(object.maps).length;
    }
    object.close();
    times.push(Number(nowNs() - start));
  }
  return { ns: median(times), programs, maps };
}

/**
 * One load in a fresh process, where nothing is cached yet (kernel BTF, JIT-compiled code): tsbpf's
 * time includes importing the loader; libbpf's is its first iteration. Reported beside the headline.
 */
function coldLoads(binary: string, path: string, samples: number): { c: number; ts: number } {
  const loader = new URL('../../src/loader/index.js', import.meta.url).href;
  const script = `const start = process.hrtime.bigint();
const { loadObject } = await import(${JSON.stringify(loader)});
const object = await loadObject(${JSON.stringify(path)});
object.close();
console.log(JSON.stringify({ ns: Number(process.hrtime.bigint() - start) }));`;
  const c: number[] = [];
  const ts: number[] = [];
  for (let i = 0; i < samples; i++) {
    c.push(runJson<{ ns: number[] }>(binary, [path, '1']).ns[0]!);
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    ts.push((JSON.parse(out.trim().split('\n').at(-1)!) as { ns: number }).ns);
  }
  return { c: median(c), ts: median(ts) };
}

/** Ids of loaded programs with the object's program names (others may load programs meanwhile). */
function ourProgramIds(): Set<number> | null {
  try {
    const listing = JSON.parse(execFileSync('bpftool', ['prog', 'list', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }) || '[]') as { id: number; name?: string }[];
    return new Set(listing.filter((p) => p.name !== undefined && PROGRAM_NAMES.includes(p.name)).map((p) => p.id));
  } catch {
    return null;
  }
}

const benchmark: Benchmark = {
  description: 'open + load + close an opensnoop-sized CO-RE object vs libbpf bpf_object__open_file/load/close',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 7);
    const iterations = intOption(argv, 'iterations', 10);
    const path = join(repoRoot(), OBJECT);
    if (!existsSync(path)) execFileSync('bash', [join(repoRoot(), 'corpus/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const before = ourProgramIds();
    const binary = buildC('libbpf-load', ['bench/load/libbpf-load.c']);
    const pinned = pinToOneCpu(argv);
    console.log(`load: ${OBJECT}, ${iterations} open+load+close cycles per side per round, ${rounds} rounds after one warm-up, alternating; ${pinned}`);

    const cFigures: number[] = [];
    const tsFigures: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const runC = (): { ns: number; programs: number; maps: number } => {
        const out = runJson<{ ns: number[]; programs: number; maps: number }>(binary, [path, String(iterations)]);
        return { ns: median(out.ns), programs: out.programs, maps: out.maps };
      };
      let c: { ns: number; programs: number; maps: number };
      let ts: { ns: number; programs: number; maps: number };
      if (round % 2 === 0) { c = runC(); ts = await tsRound(path, iterations); } else { ts = await tsRound(path, iterations); c = runC(); }
      if (c.programs !== ts.programs || c.maps !== ts.maps) {
        throw new Error(`load: libbpf loaded ${c.programs} programs and ${c.maps} maps, tsbpf ${ts.programs} and ${ts.maps}`);
      }
      console.log(`${round === 0 ? 'warm-up ' : `round ${round}`.padEnd(8)} libbpf ${(c.ns / 1e6).toFixed(2)} ms  tsbpf ${(ts.ns / 1e6).toFixed(2)} ms  (${c.programs} programs, ${c.maps} maps)`);
      if (round === 0) continue;
      cFigures.push(c.ns);
      tsFigures.push(ts.ns);
    }

    const ms = (ns: number): string => (ns / 1e6).toFixed(2);
    const ratio = median(tsFigures) / median(cFigures);
    const paired = median(tsFigures.map((t, i) => t / cFigures[i]!));
    console.log('');
    console.log(`open+load+close   libbpf ${ms(median(cFigures))} ms   tsbpf ${ms(median(tsFigures))} ms   ratio ${ratio.toFixed(3)} (paired ${paired.toFixed(3)}; goal ≤ ${GOAL.toFixed(1)})`);

    const cold = coldLoads(binary, path, 5);
    console.log(`first load in a fresh process (median of 5; reported)   libbpf ${ms(cold.c)} ms   tsbpf ${ms(cold.ts)} ms (with importing the loader)   ratio ${(cold.ts / cold.c).toFixed(3)}`);

    let status = statusFor(ratio <= GOAL);
    const after = ourProgramIds();
    if (before && after) {
      const leaked = [...after].filter((id) => !before.has(id));
      if (leaked.length) {
        console.log(`LEAK: programs left in the kernel: ids ${leaked.join(', ')}`);
        status = 1;
      } else {
        console.log('no program left in the kernel (bpftool prog list)');
      }
    } else {
      console.log('leak check skipped: bpftool prog list unavailable');
    }
    console.log(`load ratio=${ratio.toFixed(2)}`);
    return status;
  },
};

export default benchmark;
