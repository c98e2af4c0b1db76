/**
 * libbpf as the CO-RE oracle: a small C program linking Debian's libbpf (compiled here, once per test
 * run, into a temporary directory) opens an object, optionally with `btf_custom_path` as the CO-RE
 * target, loads it (the kernel may refuse the programs: CO-RE has been applied by then), and prints
 * libbpf's debug log and every program's final instructions. Nothing is pinned; the process exits
 * and the kernel objects go with it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORACLE_C = String.raw`
#include <stdio.h>
#include <stdarg.h>
#include <bpf/libbpf.h>

static int print(enum libbpf_print_level level, const char *format, va_list args)
{
  return vfprintf(stdout, format, args);
}

int main(int argc, char **argv)
{
  LIBBPF_OPTS(bpf_object_open_opts, options, .btf_custom_path = argc > 2 ? argv[2] : NULL);
  struct bpf_program *program;
  struct bpf_object *object;
  int err;

  libbpf_set_print(print);
  object = bpf_object__open_file(argv[1], &options);
  if (!object) {
    printf("ORACLE open failed\n");
    return 1;
  }
  err = bpf_object__load(object);
  printf("ORACLE load %d\n", err);
  bpf_object__for_each_program(program, object) {
    const struct bpf_insn *insns = bpf_program__insns(program);
    size_t count = bpf_program__insn_cnt(program);
    printf("ORACLE program %s %zu\n", bpf_program__name(program), insns ? count : 0);
    for (size_t i = 0; insns && i < count; i++)
      printf("ORACLE insn %zu %u %u %u %d %d\n", i, insns[i].code, insns[i].dst_reg, insns[i].src_reg, insns[i].off, insns[i].imm);
  }
  bpf_object__close(object);
  return 0;
}
`;

export interface OracleSlot { opcode: number; dst: number; src: number; offset: number; imm: number }

/** What libbpf said about one relocation (by program and libbpf's per-section relo number). */
export interface OracleRelocation {
  program: string;
  relocation: number;
  /** Every debug line libbpf printed for it, without the `prog 'x': relo #N: ` prefix. */
  lines: string[];
  /** 'patched' or 'poisoned' from the lines; 'failed' when libbpf refused it; undefined when it never said. */
  outcome: 'patched' | 'poisoned' | 'failed' | undefined;
  /** The instruction's slot in its (sub)program. */
  slot: number | undefined;
  /** What the patch lines changed: new offset, new access size in bytes, new imm, new 64-bit constant. */
  offset?: number;
  memorySize?: number;
  imm?: bigint;
  imm64?: bigint;
}

export interface OracleRun {
  loadResult: number;
  log: string;
  relocations: Map<string, OracleRelocation>;
  /** Final instructions of each main program, slot by slot (empty when libbpf freed them). */
  programs: Map<string, OracleSlot[]>;
}

let binary: string | undefined;

/** Why the oracle can't run here, or undefined when it can. */
export function oracleUnavailable(): string | undefined {
  for (const tool of ['gcc', 'clang']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed`;
  }
  if (spawnSync('sh', ['-c', 'echo "#include <bpf/libbpf.h>" | gcc -E -x c - >/dev/null 2>&1']).status !== 0) return 'libbpf headers (libbpf-dev) are not installed';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'libbpf needs root to load the object';
  return undefined;
}

function oracleBinary(): string {
  if (binary) return binary;
  const directory = mkdtempSync(join(tmpdir(), 'tsbpf-core-oracle-'));
  process.on('exit', () => rmSync(directory, { recursive: true, force: true }));
  writeFileSync(join(directory, 'oracle.c'), ORACLE_C);
  execFileSync('gcc', ['-O1', '-o', join(directory, 'oracle'), join(directory, 'oracle.c'), '-lbpf'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return (binary = join(directory, 'oracle'));
}

export function relocationKey(program: string, relocation: number): string {
  return `${program}#${relocation}`;
}

/** Runs libbpf on `objectPath` (CO-RE against `customBtfPath` when given, else the running kernel). */
export function runOracle(objectPath: string, customBtfPath?: string): OracleRun {
  const output = execFileSync(oracleBinary(), customBtfPath ? [objectPath, customBtfPath] : [objectPath], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const relocations = new Map<string, OracleRelocation>();
  const programs = new Map<string, OracleSlot[]>();
  let loadResult = 0;
  let current: OracleSlot[] | undefined;
  for (const line of output.split('\n')) {
    const oracle = /^ORACLE (\w+) (.*)$/.exec(line);
    if (oracle) {
      const fields = oracle[2]!.split(' ');
      if (oracle[1] === 'load') loadResult = Number(fields[0]);
      if (oracle[1] === 'program') programs.set(fields[0]!, (current = []));
      if (oracle[1] === 'insn' && current) {
        const [, opcode, dst, src, offset, imm] = fields.map(Number);
        current.push({ opcode: opcode!, dst: dst!, src: src!, offset: offset!, imm: imm! });
      }
      continue;
    }
    const relo = /prog '([^']+)': relo #(\d+): (.*)$/.exec(line);
    if (!relo) continue;
    const key = relocationKey(relo[1]!, Number(relo[2]));
    let entry = relocations.get(key);
    if (!entry) relocations.set(key, (entry = { program: relo[1]!, relocation: Number(relo[2]), lines: [], outcome: undefined, slot: undefined }));
    const text = relo[3]!;
    entry.lines.push(text);
    let match: RegExpExecArray | null;
    if ((match = /^patched insn #(\d+) \(([A-Z/0-9]+)\) (off|imm|imm64|mem_sz) (\d+) -> (\d+)/.exec(text))) {
      entry.outcome ??= 'patched';
      entry.slot = Number(match[1]);
      const value = BigInt(match[5]!);
      if (match[3] === 'off') entry.offset = Number(value);
      if (match[3] === 'mem_sz') entry.memorySize = Number(value);
      if (match[3] === 'imm') entry.imm = value;
      if (match[3] === 'imm64') entry.imm64 = value;
    } else if ((match = /^substituting insn #(\d+) w\/ invalid insn/.exec(text))) {
      // a poisoned ld_imm64 is reported twice, its second slot first
      entry.outcome = 'poisoned';
      entry.slot = Math.min(entry.slot ?? Infinity, Number(match[1]));
    } else if (/^(failed to|unexpected insn|relocation decision ambiguity|field offset ambiguity|parsing|error matching|target candidate search failed|insn #\d+ .* (has unexpected form|value too big|invalid new mem size|unexpected mem size))/.test(text)) {
      entry.outcome = 'failed';
    }
  }
  return { loadResult, log: output, relocations, programs };
}
