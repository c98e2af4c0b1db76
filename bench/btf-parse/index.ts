/**
 * btf-parse: /sys/kernel/btf/vmlinux into a queryable form, in process, tsbpf against libbpf's
 * btf__parse in our own C (btf_parse.c, built here into bench/.build/). Goal (issue 3): ≤ 1.5×.
 *
 * What the headline covers, on both sides: getting the file's bytes (libbpf reads them into a buffer;
 * tsbpf maps the sysfs file read-only where the kernel allows it, as every tsbpf reader of kernel BTF
 * does, else reads it) and parsing them
 * to the point where any type can be fetched by id — header checks and an index of every type's
 * offset. tsbpf decodes a type on first `type(id)`; libbpf's structs are already in place, so the
 * second figure is the first name lookup on a fresh parse (tsbpf builds its hash index there; libbpf's
 * btf__find_by_name_kind scans linearly). The headline is the parse ratio; the lookup is reported.
 *
 * Rounds alternate C and TS (the order flips each round); each side does `iterations` parses per
 * round and reports the median; figures are medians over rounds after one warm-up round.
 *
 *   npm run bench -- btf-parse [--rounds 7] [--iterations 20] [--no-pin]
 */
import { Btf } from '../../src/btf/btf.js';
import { readKernelBtfFile } from '../../src/sys/index.js';
import { BtfKind } from '../../src/btf/types.js';
import { buildC, type Benchmark, intOption, median, nowNs, pinToOneCpu, runJson, statusFor } from '../harness.js';

const PATH = '/sys/kernel/btf/vmlinux';
const LOOKUP = 'task_struct';
const GOAL = 1.5;

function tsRound(iterations: number): { parse: number; find: number } {
  const parse: number[] = [];
  const find: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = nowNs();
    const btf = Btf.parse(readKernelBtfFile(PATH));
    parse.push(Number(nowNs() - start));
    const lookup = nowNs();
    const found = btf.findByName(LOOKUP, BtfKind.Struct);
    find.push(Number(nowNs() - lookup));
    if (found.length === 0) throw new Error(`btf-parse: no struct ${LOOKUP}`);
  }
  return { parse: median(parse), find: median(find) };
}

const benchmark: Benchmark = {
  description: 'parse /sys/kernel/btf/vmlinux (read + index) vs libbpf btf__parse; first lookup by name',
  async run(argv) {
    const rounds = intOption(argv, 'rounds', 7);
    const iterations = intOption(argv, 'iterations', 20);
    const binary = buildC('btf_parse', ['bench/btf-parse/btf_parse.c']);
    const pinned = pinToOneCpu(argv);
    console.log(`btf-parse: ${PATH}, ${iterations} parses per side per round, ${rounds} rounds after one warm-up, alternating; ${pinned}`);
    const c = { parse: [] as number[], find: [] as number[] };
    const ts = { parse: [] as number[], find: [] as number[] };
    for (let round = 0; round <= rounds; round++) {
      const runC = (): { parse: number; find: number } => {
        const out = runJson<{ parse: number[]; find: number[] }>(binary, [PATH, String(iterations), LOOKUP]);
        return { parse: median(out.parse), find: median(out.find) };
      };
      let cr: { parse: number; find: number };
      let tr: { parse: number; find: number };
      if (round % 2 === 0) { cr = runC(); tr = tsRound(iterations); } else { tr = tsRound(iterations); cr = runC(); }
      if (round === 0) continue;
      c.parse.push(cr.parse); c.find.push(cr.find); ts.parse.push(tr.parse); ts.find.push(tr.find);
    }
    const ms = (ns: number): string => (ns / 1e6).toFixed(3);
    const parseRatio = median(ts.parse) / median(c.parse);
    const findRatio = median(ts.find) / median(c.find);
    console.log(`parse (read + index)   libbpf ${ms(median(c.parse))} ms   tsbpf ${ms(median(ts.parse))} ms   ratio ${parseRatio.toFixed(3)} (goal ≤ ${GOAL})`);
    console.log(`first findByName       libbpf ${ms(median(c.find))} ms   tsbpf ${ms(median(ts.find))} ms   ratio ${findRatio.toFixed(3)} (reported; tsbpf builds its name index here, later lookups take microseconds)`);
    console.log(`btf-parse ratio=${parseRatio.toFixed(2)}`);
    return statusFor(parseRatio <= GOAL);
  },
};

export default benchmark;
