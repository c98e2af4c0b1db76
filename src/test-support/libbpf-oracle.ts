/**
 * The libbpf side of the loader comparison. An object is loaded by libbpf (`bpftool prog loadall`, Debian's
 * bpftool 7.1 over libbpf 1.1) into a private bpffs directory, read back with bpftool, and unloaded again; the
 * programs and maps tsbpf loaded are read back the same way, by id, so both sides are seen through one tool.
 *
 * What libbpf 1.1 loads besides the object's own programs and maps (strace -e bpf of a loadall), none of
 * which outlives the load, so the comparison ignores nothing it can see:
 * - feature probes, each closed at once: anonymous 2-instruction socket filters (can it load at all),
 *   "libbpf_nametest" (program names), map "libbpf_global" plus a program using it (global data), map
 *   "libbpf_mmap" (BPF_F_MMAPABLE), map "libbpf_det_bind" plus a program (BPF_PROG_BIND_MAP), and eight small
 *   BTF blobs (which BTF kinds the kernel takes);
 * - the object's BTF, held by its programs and maps and freed with them.
 * What libbpf does to the object's own objects that a comparison should know about: internal maps
 * (OBJ.rodata, OBJ.data, OBJ.bss, .rodata.str1.1, custom .data.x/.rodata.y: kernel names are the object name
 * cut to 8 characters plus the section name, or the section name alone for custom sections) are
 * BPF_F_MMAPABLE arrays and .rodata ones are also BPF_F_RDONLY_PROG and frozen; .rodata is bound with
 * BPF_PROG_BIND_MAP to every program even when the program does not use it (it shows in `map_ids`, which
 * this view leaves out); programs get kern_version = the running kernel's. bpftool's own `prog show` and
 * `map show` load a short-lived iterator program (pid_iter) to find which processes hold fds.
 *
 * Limits of the oracle that show up as refusals: bpftool 7.1 pins every program, and libbpf 1.1 will not pin
 * one it did not load, so an object with a `?`-section program fails at pinning; maps pinned by name
 * (LIBBPF_PIN_BY_NAME) cannot be pinned again under `pinmaps`, so for those objects the load is repeated
 * without `pinmaps` and the maps are found through the programs' map ids and the by-name pins.
 *
 * bpftool runs without `-d`: `-d` also sets the verifier log level to 7 for every program, which made a
 * 1M-instruction rejection take 70 s and can turn a large valid program into ENOSPC. Without it the log still
 * holds libbpf's warnings and, for a refused program, the verifier log libbpf 1.1 asks for on its retry.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TsbpfError } from '../errors.js';

export interface NormalizedProgram {
  name: string;
  type: string;
  gplCompatible: boolean;
  /** bpftool's text dump, one line per element, map ids replaced by map names, no per-load addresses. */
  xlated: string[];
  /** Names of the maps the program holds (map_ids), sorted: shows maps bound without an instruction (libbpf binds .rodata). */
  mapNames: string[];
}

export interface NormalizedMap {
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  frozen: boolean;
}

export interface KernelState {
  programs: NormalizedProgram[];
  maps: NormalizedMap[];
}

export type LibbpfResult = { ok: true; state: KernelState; log: string } | { ok: false; error: string; log: string };

/** The oracle could not run or read the kernel (not a refusal by libbpf, which is a result). */
export class OracleError extends TsbpfError {}

/** Objects libbpf loaded and that stay loaded (pinned) until `release()`. */
export interface LibbpfLoad extends Disposable {
  readonly state: KernelState;
  readonly programIds: readonly number[];
  readonly mapIds: readonly number[];
  /** Maps libbpf took from by-name pins that were there before the load: someone else's, they stay loaded. */
  readonly reusedMapIds: readonly number[];
  /** Every pin this load made, under the private directory or by name elsewhere in bpffs. */
  readonly pins: readonly string[];
  readonly log: string;
  release(): void;
}

const BPFFS = '/sys/fs/bpf';
/** libbpf's complaint when `pinmaps` meets a map it already pinned by name; names that pin. */
const PIN_CONFLICT = /already has pin path '([^']+)'/g;

/**
 * libbpf's result: `bpftool prog loadall OBJ DIR/progs pinmaps DIR/maps` in a fresh directory of bpffs, everything
 * read back by pinned path, then every pin removed so nothing stays loaded. `log` is bpftool's stdout and stderr.
 */
export function loadWithLibbpf(objectPath: string): LibbpfResult {
  const result = loadWithLibbpfKept(objectPath);
  if (!result.ok) return result;
  using loaded = result.loaded;
  return { ok: true, state: loaded.state, log: loaded.log };
}

/** Like loadWithLibbpf, but the objects stay loaded until the caller releases them (to look at them by id). */
export function loadWithLibbpfKept(objectPath: string): { ok: true; loaded: LibbpfLoad } | { ok: false; error: string; log: string } {
  if (!existsSync(objectPath)) throw new OracleError(`no object at ${objectPath}`, 'build the corpus with bash corpus/build.sh');
  ensureBpffsMounted();
  const directory = mkdtempSync(join(BPFFS, 'tsbpf_oracle_'));
  const programDirectory = join(directory, 'progs');
  const mapDirectory = join(directory, 'maps');
  mkdirSync(programDirectory);
  mkdirSync(mapDirectory);
  // Pins libbpf made by name (LIBBPF_PIN_BY_NAME, under /sys/fs/bpf itself): ours to remove when they were
  // not there before the load; one that was there is someone else's, which libbpf reused.
  const existingBefore = new Set(readdirSync(BPFFS));
  const byNamePins: string[] = [];
  const cleanUp = () => {
    rmSync(directory, { recursive: true, force: true });
    for (const pin of byNamePins.splice(0)) rmSync(pin, { force: true });
  };
  try {
    let attempt = runLoadall(objectPath, programDirectory, mapDirectory);
    const pinnedByName = pinConflicts(attempt.log);
    let mapsPinned = true;
    if (!attempt.ok && pinnedByName.length > 0) {
      // `pinmaps` refuses maps pinned by name: load once more without it (removing the first load's own by-name
      // pins, so the second load creates its maps afresh rather than reusing the first load's).
      byNamePins.push(...pinnedByName.filter((pin) => isNewTopLevelPin(pin, existingBefore)));
      cleanUp();
      mkdirSync(programDirectory, { recursive: true });
      attempt = runLoadall(objectPath, programDirectory, undefined);
      mapsPinned = false;
    }
    byNamePins.push(...pinnedByName.filter((pin) => isNewTopLevelPin(pin, existingBefore) && existsSync(pin)));
    if (!attempt.ok) {
      cleanUp();
      return { ok: false, error: refusalReason(attempt.log), log: attempt.log };
    }
    const programPins = readdirSync(programDirectory).map((name) => join(programDirectory, name));
    const programIds = programPins.map((pin) => showJson<ProgramJson>('prog', ['pinned', pin]).id);
    let mapRefs: ObjectRef[];
    const reusedMapIds: number[] = [];
    if (mapsPinned) {
      mapRefs = readdirSync(mapDirectory).map((name): ObjectRef => ['pinned', join(mapDirectory, name)]);
    } else {
      const ids = new Set<number>();
      for (const pin of pinnedByName.filter((pin) => !byNamePins.includes(pin))) reusedMapIds.push(showJson<MapJson>('map', ['pinned', pin]).id);
      for (const pin of pinnedByName) ids.add(showJson<MapJson>('map', ['pinned', pin]).id);
      for (const id of programIds) for (const mapId of showJson<ProgramJson>('prog', ['id', String(id)]).map_ids ?? []) ids.add(mapId);
      mapRefs = [...ids].map((id): ObjectRef => ['id', String(id)]);
    }
    const mapIds = mapRefs.map((ref) => showJson<MapJson>('map', ref).id);
    const state = describe(programPins.map((pin): ObjectRef => ['pinned', pin]), mapRefs);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cleanUp();
    };
    const pins = [...programPins, ...(mapsPinned ? mapRefs.map((ref) => ref[1]) : []), ...byNamePins];
    return { ok: true, loaded: { state, programIds, mapIds, reusedMapIds, pins, log: attempt.log, release, [Symbol.dispose]: release } };
  } catch (error) {
    cleanUp();
    throw error;
  }
}

/** The same normalized view of programs and maps loaded by anyone (tsbpf), by kernel id, via bpftool. */
export function describeKernelObjects(programIds: readonly number[], mapIds: readonly number[]): KernelState {
  return describe(
    programIds.map((id): ObjectRef => ['id', String(id)]),
    mapIds.map((id): ObjectRef => ['id', String(id)]),
  );
}

/** A readable account of how two states differ, '' when they are equal; for assertion messages. */
export function diffKernelStates(libbpf: KernelState, ours: KernelState): string {
  const lines: string[] = [];
  const theirPrograms = new Map(libbpf.programs.map((program) => [program.name, program]));
  const ourPrograms = new Map(ours.programs.map((program) => [program.name, program]));
  for (const name of sortedUnion(theirPrograms.keys(), ourPrograms.keys())) {
    const theirs = theirPrograms.get(name);
    const mine = ourPrograms.get(name);
    if (!theirs) { lines.push(`program ${name}: loaded by tsbpf only`); continue; }
    if (!mine) { lines.push(`program ${name}: loaded by libbpf only`); continue; }
    if (theirs.type !== mine.type) lines.push(`program ${name}: type libbpf=${theirs.type} tsbpf=${mine.type}`);
    if (theirs.gplCompatible !== mine.gplCompatible) lines.push(`program ${name}: gpl_compatible libbpf=${theirs.gplCompatible} tsbpf=${mine.gplCompatible}`);
    if (theirs.mapNames.join() !== mine.mapNames.join()) lines.push(`program ${name}: maps libbpf=[${theirs.mapNames.join(', ')}] tsbpf=[${mine.mapNames.join(', ')}]`);
    const xlated = diffLines(theirs.xlated, mine.xlated);
    if (xlated) lines.push(`program ${name}: xlated differs (- libbpf, + tsbpf):`, xlated);
  }
  const theirMaps = new Map(libbpf.maps.map((map) => [map.name, map]));
  const ourMaps = new Map(ours.maps.map((map) => [map.name, map]));
  for (const name of sortedUnion(theirMaps.keys(), ourMaps.keys())) {
    const theirs = theirMaps.get(name);
    const mine = ourMaps.get(name);
    if (!theirs) { lines.push(`map ${name}: created by tsbpf only`); continue; }
    if (!mine) { lines.push(`map ${name}: created by libbpf only`); continue; }
    for (const field of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags', 'frozen'] as const) {
      if (theirs[field] !== mine[field]) lines.push(`map ${name}: ${field} libbpf=${String(theirs[field])} tsbpf=${String(mine[field])}`);
    }
  }
  return lines.join('\n');
}

/** Maps xlated `map[id:N]` references to names, and drops what differs from one load to the next. */
export function normalizeXlated(text: string, mapNames: ReadonlyMap<number, string>): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.map((line) => line
    .replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[${mapNames.get(Number(id)) ?? 'unknown'}]`)
    // bpftool names a subprogram call's target by its JIT address: bpf_prog_TAG_NAME when kallsyms has it,
    // else the address itself, which differs per load. The pc-relative offset and the callee's own dump stay.
    .replace(/(call pc[+-]\d+)#\S+/g, '$1')
    // kernel pointers the verifier writes into instructions (bpf_timer_set_callback's prog aux) differ per load
    .replace(/\b0xff[0-9a-f]{14}\b/g, '<kernel address>'));
}

type ObjectRef = readonly ['id' | 'pinned', string];

interface ProgramJson { id: number; type: string; name: string; gpl_compatible: boolean; map_ids?: number[] }
interface MapJson { id: number; type: string; name: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number; frozen?: number }

function describe(programRefs: readonly ObjectRef[], mapRefs: readonly ObjectRef[]): KernelState {
  const mapInfos = mapRefs.map((ref) => showJson<MapJson>('map', ref));
  const mapNames = new Map(mapInfos.map((map) => [map.id, map.name]));
  const programInfos = programRefs.map((ref) => showJson<ProgramJson>('prog', ref));
  for (const id of programInfos.flatMap((info) => info.map_ids ?? [])) {
    if (!mapNames.has(id)) mapNames.set(id, showJson<MapJson>('map', ['id', String(id)]).name);
  }
  const dumps = dumpXlated(programRefs);
  const programs = programInfos.map((info, index): NormalizedProgram => (
    {
      name: info.name, type: info.type, gplCompatible: info.gpl_compatible, xlated: normalizeXlated(dumps[index]!, mapNames),
      mapNames: (info.map_ids ?? []).map((id) => mapNames.get(id) ?? 'unknown').sort(),
    }
  ));
  const maps = mapInfos.map((map): NormalizedMap => ({
    name: map.name,
    type: map.type,
    keySize: map.bytes_key,
    valueSize: map.bytes_value,
    maxEntries: map.max_entries,
    flags: map.flags,
    frozen: (map.frozen ?? 0) !== 0,
  }));
  return {
    programs: programs.sort((a, b) => compare(a.name, b.name)),
    maps: maps.sort((a, b) => compare(a.name, b.name)),
  };
}

/**
 * Each `prog dump xlated` makes bpftool parse all of /proc/kallsyms (120 000 lines, ~200 ms here) just to name
 * call targets. So the dumps run in one private mount namespace where /proc/kallsyms is a copy of the kernel
 * text symbols a BPF call can reach (helpers, map operations); a target outside it prints as an address,
 * which is the same for tsbpf and libbpf on one kernel. Without unshare/mount, each dump reads the real file.
 */
function dumpXlated(refs: readonly ObjectRef[]): string[] {
  if (refs.length === 0) return [];
  const symbols = callTargetSymbols();
  if (symbols) {
    const script = 'mount --bind "$0" /proc/kallsyms || exit 97\n'
      + 'while [ $# -gt 0 ]; do bpftool prog dump xlated "$1" "$2"; echo "' + DUMP_END + '$?"; shift 2; done';
    const run = spawnSync('unshare', ['--mount', 'sh', '-c', script, symbols, ...refs.flat()], { encoding: 'utf8', maxBuffer: 512 << 20 });
    if (!run.error && run.status === 0) {
      const parts = run.stdout.split(new RegExp(`^${DUMP_END}(\\d+)\n`, 'm'));
      const dumps: string[] = [];
      for (let index = 0; index < refs.length; index++) {
        if (parts[index * 2 + 1] !== '0') throw new OracleError(`bpftool prog dump xlated ${refs[index]!.join(' ')} failed: ${run.stderr.trim()}`);
        dumps.push(parts[index * 2]!);
      }
      return dumps;
    }
  }
  return refs.map((ref) => {
    const dump = bpftool(['prog', 'dump', 'xlated', ...ref]);
    if (dump.status !== 0) throw new OracleError(`bpftool prog dump xlated ${ref.join(' ')} failed: ${dump.stderr.trim()}`);
    return dump.stdout;
  });
}

const DUMP_END = '=== tsbpf oracle: end of dump, status ';
let symbolFile: string | null | undefined;

/** A kallsyms-format file of the kernel's text symbols that BPF calls land on; null when it can't be made. */
function callTargetSymbols(): string | null {
  if (symbolFile !== undefined) return symbolFile;
  try {
    const kept = readFileSync('/proc/kallsyms', 'utf8').split('\n').filter((line) => {
      const [address, type, name, module] = line.split(/\s+/);
      if (!address || /^0+$/.test(address) || module || !name) return false;
      if (name === '__bpf_call_base') return true;
      // Programs' own symbols (bpf_prog_TAG_NAME) change with every load; leave them out.
      return (type === 't' || type === 'T') && /bpf|map|trie|htab|ringbuf|storage/.test(name) && !/^bpf_prog_[0-9a-f]{16}/.test(name);
    });
    if (!kept.some((line) => line.endsWith(' __bpf_call_base'))) return (symbolFile = null);
    const directory = mkdtempSync(join(tmpdir(), 'tsbpf-oracle-'));
    symbolFile = join(directory, 'kallsyms');
    writeFileSync(symbolFile, `${kept.join('\n')}\n`);
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  } catch {
    symbolFile = null;
  }
  return symbolFile;
}

function runLoadall(objectPath: string, programDirectory: string, mapDirectory: string | undefined): { ok: boolean; log: string } {
  const args = ['prog', 'loadall', objectPath, programDirectory, ...(mapDirectory ? ['pinmaps', mapDirectory] : [])];
  const run = bpftool(args);
  return { ok: run.status === 0, log: run.stdout + run.stderr };
}

function pinConflicts(log: string): string[] {
  return [...new Set([...log.matchAll(PIN_CONFLICT)].map((match) => match[1]!))];
}

function isNewTopLevelPin(pin: string, existingBefore: ReadonlySet<string>): boolean {
  return dirname(pin) === BPFFS && !existingBefore.has(basename(pin));
}

/** bpftool's own error line, with libbpf's most specific complaint before it. */
function refusalReason(log: string): string {
  const lines = log.split('\n');
  const error = lines.filter((line) => line.startsWith('Error: ')).map((line) => line.slice(7)).join('; ') || 'bpftool prog loadall failed';
  const cause = lines.find((line) => line.startsWith('libbpf: ') && /failed to load:|unrecognized|not supported|can't pin|already has pin path|failed to guess/.test(line));
  return cause ? `${error} (${cause.slice(8)})` : error;
}

function showJson<T>(kind: 'prog' | 'map', ref: ObjectRef): T {
  const run = bpftool(['-j', kind, 'show', ...ref]);
  if (run.status !== 0) throw new OracleError(`bpftool ${kind} show ${ref.join(' ')} failed: ${run.stderr.trim()}`, 'the object may have been unloaded meanwhile');
  return JSON.parse(run.stdout) as T;
}

function bpftool(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('bpftool', args, { encoding: 'utf8', maxBuffer: 512 << 20 });
  if (run.error) throw new OracleError(`bpftool could not run: ${run.error.message}`, 'install bpftool (Debian package bpftool)');
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function ensureBpffsMounted(): void {
  const mounted = readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => {
    const fields = line.split(' ');
    return fields[1] === BPFFS && fields[2] === 'bpf';
  });
  if (mounted) return;
  mkdirSync(BPFFS, { recursive: true });
  const run = spawnSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { encoding: 'utf8' });
  if (run.status !== 0) throw new OracleError(`mount -t bpf bpf ${BPFFS} failed: ${(run.stderr ?? '').trim()}`, 'run as root');
}

/** Differing lines with two lines of context around each change, prefixed - (libbpf) and + (tsbpf). */
function diffLines(theirs: readonly string[], ours: readonly string[]): string {
  if (theirs.length === ours.length && theirs.every((line, index) => line === ours[index])) return '';
  // Longest common subsequence: dumps are at most a few thousand lines.
  const rows = theirs.length + 1;
  const columns = ours.length + 1;
  const lengths = new Uint32Array(rows * columns);
  for (let i = theirs.length - 1; i >= 0; i--) {
    for (let j = ours.length - 1; j >= 0; j--) {
      lengths[i * columns + j] = theirs[i] === ours[j] ? lengths[(i + 1) * columns + j + 1]! + 1 : Math.max(lengths[(i + 1) * columns + j]!, lengths[i * columns + j + 1]!);
    }
  }
  const script: string[] = [];
  let i = 0;
  let j = 0;
  while (i < theirs.length || j < ours.length) {
    if (i < theirs.length && j < ours.length && theirs[i] === ours[j]) { script.push(`  ${theirs[i]}`); i++; j++; }
    else if (i < theirs.length && (j === ours.length || lengths[(i + 1) * columns + j]! >= lengths[i * columns + j + 1]!)) { script.push(`- ${theirs[i]}`); i++; }
    else { script.push(`+ ${ours[j]}`); j++; }
  }
  const keep = script.map((line, index) => line[0] !== ' ' || script.slice(Math.max(0, index - 2), index + 3).some((near) => near[0] !== ' '));
  const shown: string[] = [];
  keep.forEach((kept, index) => {
    if (kept) shown.push(`    ${script[index]}`);
    else if (index > 0 && keep[index - 1]) shown.push('    ...');
  });
  return shown.join('\n');
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

