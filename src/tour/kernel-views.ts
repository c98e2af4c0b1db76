/**
 * What the tour shows of its own objects in the kernel, printed by the same library calls and
 * formatters as `tsbpf prog show`, `map show`, `prog dump xlated ... linum` and `map dump`, for the
 * tour's ids only (the kernel may hold many other programs and maps).
 */
import type { BpfMap, Program } from '../index.js';
import { readOwners, type OwnerTable } from '../inspect/owners.js';
import { dumpXlated, programDetails } from '../inspect/programs.js';
import { formatProgramText } from '../inspect/program-text.js';
import { dumpOpenMap, mapDetailsByFd } from '../inspect/maps.js';
import { formatDump, formatMapText } from '../inspect/map-text.js';
import { mapIds, programIds } from '../info/ids.js';

const TEXT = { json: false, pretty: false } as const;

function mapOwners(): OwnerTable['maps'] | undefined {
  try {
    return readOwners().maps;
  } catch {
    return undefined; // the `pids` lines are an extra; the listing stands without them
  }
}

/** `prog show id N` for each program, as `prog list` prints them (with the `pids` of their holders). */
export function programListText(programs: readonly Program[]): string {
  return programs.map((program) => formatProgramText(programDetails(program.id))).join('');
}

/** `map show id N` for each map, as `map list` prints them. */
export function mapListText(maps: readonly BpfMap[]): string {
  const owners = mapOwners();
  return maps.map((map) => formatMapText(mapDetailsByFd(map.fd.value, map.info(), owners))).join('');
}

/** `prog dump xlated id N linum`. */
export function xlatedText(program: Program): string {
  return dumpXlated(program.id, { linum: true }).flatMap((dump) => dump.lines.map((line) => `${line}\n`)).join('');
}

/** `map dump id N`, plus the decoded per-CPU values for the caller to sum. */
export function mapDumpText(map: BpfMap): { text: string; perCpu: Map<number, bigint[]> } {
  const dump = dumpOpenMap(map);
  const perCpu = new Map<number, bigint[]>();
  for (const entry of dump.entries) {
    const key = entry.decoded?.key;
    const values = entry.decoded?.value;
    if (typeof key === 'number' && Array.isArray(values)) perCpu.set(key, values.map((value) => BigInt(value as number | bigint)));
  }
  return { text: formatDump([dump], TEXT), perCpu };
}

/** Which of `programs` and `maps` (by id) the kernel still lists. */
export function stillListed(programs: readonly number[], maps: readonly number[]): { programs: number[]; maps: number[] } {
  const livePrograms = new Set(programIds());
  const liveMaps = new Set(mapIds());
  return { programs: programs.filter((id) => livePrograms.has(id)), maps: maps.filter((id) => liveMaps.has(id)) };
}
