/**
 * The running kernel's BPF programs, as bpftool's `prog` commands see them: listings with everything
 * `prog show` prints (info, memlock, full BTF name, metadata, owners), selection by id, pin, tag or
 * name, xlated and jited dumps, and pinning. The dashboard and exporter call these; the CLI only prints.
 *
 * Programs come and go while we walk the ids: one that vanishes between the walk and the open (ENOENT)
 * is skipped, as bpftool skips it.
 */
import { xlatedDot } from './program-cfg.js';
import { readPinnedPaths } from './pinned-paths.js';
import { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import { BpfError, Errno, TsbpfError } from '../errors.js';
import { BtfObject } from '../info/btf-object.js';
import { programIds } from '../info/ids.js';
import { firstFunctionTypeId, programInfo, type ProgramInfo } from '../info/program-info.js';
import { mapInfoById } from '../info/map-info.js';
import { bpf, closeRawFd, ensureBpffsFor } from '../sys/index.js';
import { writeFileSync } from 'node:fs';
import { readOwners, type Owner, type OwnersScanner } from './owners.js';
import { ProgramListingCache } from './program-listing-cache.js';
import { readProgramMetadata, type MetadataEntry } from './program-metadata.js';
import { readProgramRecords, type ProgramRecords } from './program-records.js';
import { readKernelSymbols } from './program-symbols.js';
import { functionSignature as functionSignatureOf, xlatedJson, xlatedText, type XlatedDumpOptions, type XlatedJsonInstruction } from './program-xlated.js';

export type { Owner } from './owners.js';
export type { MetadataEntry, MetadataValue } from './program-metadata.js';
export { formatProgram, formatProgramText, programJson, type FormatOptions } from './program-text.js';

/** Where a program came from, as far as its BTF and maps tell (`prog list --source`). */
export interface ProgramSource {
  /** The C function (the FUNC of the program's first func_info record). */
  function?: string;
  /** The C file and line of the program's first line_info record. */
  file?: string;
  line?: number;
  /**
   * The object's name as libbpf abbreviated it into the program's internal maps (`<object>.rodata`,
   * `.data`, `.bss`, `.kconfig`): at most 8 characters, absent when the object had no global data.
   */
  object?: string;
}

/** Run-time statistics sampled while BPF_ENABLE_STATS was on (`prog show --stats`). */
export interface ProgramStats {
  runCount: bigint;
  runTimeNs: bigint;
  /** Average nanoseconds per run; 0 when it never ran. */
  averageNs: number;
}

export interface ProgramDetails {
  info: ProgramInfo;
  /** bpftool's full name: the BTF function name when the kernel's 15-character name was cut. */
  fullName: string;
  /** The `memlock` line of the program fd's fdinfo (bytes, as the kernel prints it), when present. */
  memlock: string | undefined;
  metadata: MetadataEntry[];
  /** Processes holding the program; undefined when owners were not read. */
  owners: Owner[] | undefined;
  source?: ProgramSource;
  stats?: ProgramStats;
  /**
   * bpffs paths the program is pinned at, in bpftool -f's order; undefined unless asked for, and when
   * nothing of this kind is pinned anywhere (bpftool then prints no `pinned` at all).
   */
  pinned?: string[];
}

export interface ProgramDetailOptions {
  /**
   * Read which processes hold each program (default true: `readOwners()`, the iterator loaded for the
   * read). An open OwnersScanner reads them instead, and its own iterator program is left out.
   */
  owners?: boolean | OwnersScanner;
  /** Read the .rodata metadata (default true). */
  metadata?: boolean;
  /** Work out the object and C function (default false). */
  source?: boolean;
  /** Find the bpffs paths each program is pinned at, as bpftool -f does (default false). */
  pinned?: boolean;
}

/** Raised for a program selector that matches nothing, or a program that is not there. */
export class ProgramNotFoundError extends TsbpfError {}

export type ProgramSelector =
  | { kind: 'id'; id: number }
  | { kind: 'pinned'; path: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'name'; name: string };

function openById(id: number): number | undefined {
  try {
    return bpf.getFdById('PROG', id);
  } catch (error) {
    if (error instanceof BpfError && error.errno === Errno.ENOENT) return undefined;
    throw error;
  }
}

const BPF_OBJ_NAME_LEN = 16;

/** bpftool's get_prog_full_name: a name the kernel cut at 15 characters is replaced by its BTF FUNC's. */
function fullNameOf(fd: number, info: ProgramInfo, cache: ProgramListingCache): string {
  if (info.name.length < BPF_OBJ_NAME_LEN - 1 || info.btfId === 0 || info.funcInfoCount === 0) return info.name;
  try {
    const typeId = firstFunctionTypeId(fd);
    if (typeId === undefined) return info.name;
    const func = cache.btf(info.btfId).type(typeId);
    return func.kind === BtfKind.Func ? func.name.slice(0, 127) : info.name;
  } catch {
    return info.name;
  }
}

function sourceOf(fd: number, info: ProgramInfo): ProgramSource {
  const source: ProgramSource = {};
  try {
    if (info.btfId !== 0) {
      const records = readProgramRecords(fd, 'xlated');
      using object = BtfObject.fromId(info.btfId);
      const btf = Btf.parse(object.data());
      const func = records.funcInfo[0] ? btf.type(records.funcInfo[0].typeId) : undefined;
      if (func?.kind === BtfKind.Func) source.function = func.name;
      const line = records.lineInfo[0];
      if (line) {
        source.file = btf.string(line.fileNameOffset);
        source.line = line.lineColumn >>> 10;
      }
    }
  } catch {
    // a program without readable BTF keeps what we found
  }
  for (const id of info.mapIds) {
    try {
      const match = /^(.*)\.(rodata|data|bss|kconfig)(\..*)?$/.exec(mapInfoById(id).name);
      if (match?.[1]) {
        source.object = match[1];
        break;
      }
    } catch {
      // a map freed meanwhile says nothing
    }
  }
  return source;
}

function detailsOf(fd: number, options: ProgramDetailOptions, owners: Map<number, Owner[]> | undefined, cache: ProgramListingCache, pins?: Map<number, string[]>): ProgramDetails {
  const info = programInfo(fd, cache.bootMs);
  const details: ProgramDetails = {
    info,
    fullName: fullNameOf(fd, info, cache),
    memlock: cache.fdinfo.memlock(fd, info.id),
    metadata: options.metadata === false ? [] : readProgramMetadata(info.mapIds, cache),
    owners: owners ? owners.get(info.id) ?? [] : undefined,
  };
  if (options.source) details.source = sourceOf(fd, info);
  if (pins && pins.size > 0) details.pinned = pins.get(info.id) ?? [];
  return details;
}

function ownersFor(options: ProgramDetailOptions): Map<number, Owner[]> | undefined {
  if (options.owners === false) return undefined;
  try {
    return typeof options.owners === 'object' ? options.owners.read().programs : readOwners().programs;
  } catch {
    return undefined; // owners are an extra: a listing without them beats no listing
  }
}

/** Every program this user can see, in id order, as `bpftool prog list` walks them. */
export function listPrograms(options: ProgramDetailOptions = {}): ProgramDetails[] {
  const owners = ownersFor(options);
  using cache = new ProgramListingCache();
  const pins = options.pinned ? readPinnedPaths('program') : undefined;
  const out: ProgramDetails[] = [];
  const hidden = typeof options.owners === 'object' ? options.owners.programId : -1;
  for (const id of programIds()) {
    if (id === hidden) continue; // an open scanner's iterator: tsbpf's own machinery, not the user's
    const fd = openById(id);
    if (fd === undefined) continue; // freed since the walk saw it
    try {
      out.push(detailsOf(fd, options, owners, cache, pins));
    } catch (error) {
      if (!(error instanceof BpfError && error.errno === Errno.ENOENT)) throw error;
    } finally {
      closeRawFd(fd);
    }
  }
  return out;
}

/** One program by id, or ProgramNotFoundError. */
export function programDetails(id: number, options: ProgramDetailOptions = {}): ProgramDetails {
  const [details] = selectedPrograms({ kind: 'id', id }, options);
  return details!;
}

/** Parses bpftool's tag syntax: 16 hex digits (bpftool reads 8 `%hhx` bytes). */
function normalTag(tag: string): string {
  if (!/^[0-9a-fA-F]{16}$/.test(tag)) throw new TsbpfError(`can't parse tag ${JSON.stringify(tag)}`, 'give the 16 hex digits bpftool prog list prints after "tag"');
  return tag.toLowerCase();
}

/**
 * Opens the programs a selector names: one for id and pinned, every match for tag and name (bpftool
 * prints them all). The caller closes the fds. Raises ProgramNotFoundError when nothing matches.
 */
export function openPrograms(selector: ProgramSelector): number[] {
  switch (selector.kind) {
    case 'id': {
      const fd = openById(selector.id);
      if (fd === undefined) throw new ProgramNotFoundError(`no program has id ${selector.id}`, 'list the loaded programs with tsbpf prog list');
      return [fd];
    }
    case 'pinned': {
      let fd: number;
      try {
        fd = bpf.objGet(selector.path);
      } catch (error) {
        if (error instanceof BpfError && error.errno === Errno.ENOENT) throw new ProgramNotFoundError(`nothing is pinned at ${selector.path}`, 'check the path under /sys/fs/bpf');
        throw error;
      }
      try {
        programInfo(fd);
      } catch (error) {
        closeRawFd(fd);
        if (error instanceof BpfError && error.errno === Errno.EINVAL) throw new TsbpfError(`${selector.path} is not a program`, 'pin paths of maps and links belong to tsbpf map and tsbpf link');
        throw error;
      }
      return [fd];
    }
    case 'tag':
    case 'name': {
      const wanted = selector.kind === 'tag' ? normalTag(selector.tag) : selector.name;
      const fds: number[] = [];
      using cache = new ProgramListingCache();
      try {
        for (const id of programIds()) {
          const fd = openById(id);
          if (fd === undefined) continue;
          let keep = false;
          try {
            const info = programInfo(fd);
            keep = selector.kind === 'tag' ? info.tag === wanted : fullNameOf(fd, info, cache) === wanted;
          } catch (error) {
            if (!(error instanceof BpfError && error.errno === Errno.ENOENT)) throw error;
          }
          if (keep) fds.push(fd);
          else closeRawFd(fd);
        }
      } catch (error) {
        for (const fd of fds) closeRawFd(fd);
        throw error;
      }
      if (fds.length === 0) throw new ProgramNotFoundError(`no program has ${selector.kind} ${wanted}`, 'list the loaded programs with tsbpf prog list');
      return fds;
    }
  }
}

function withPrograms<T>(selector: ProgramSelector, body: (fd: number) => T): T[] {
  const fds = openPrograms(selector);
  try {
    return fds.map(body);
  } finally {
    for (const fd of fds) closeRawFd(fd);
  }
}

/** `prog show PROG`: the details of every program the selector matches. */
export function selectedPrograms(selector: ProgramSelector, options: ProgramDetailOptions = {}): ProgramDetails[] {
  const owners = ownersFor(options);
  using cache = new ProgramListingCache();
  const pins = options.pinned ? readPinnedPaths('program') : undefined;
  return withPrograms(selector, (fd) => detailsOf(fd, options, owners, cache, pins));
}

export interface ProgramDump {
  info: ProgramInfo;
  fullName: string;
  records: ProgramRecords;
}

function btfFor(records: ProgramRecords): Btf | undefined {
  if (records.btfId === 0) return undefined;
  try {
    using object = BtfObject.fromId(records.btfId);
    return Btf.parse(object.data());
  } catch (error) {
    throw new TsbpfError(`failed to get btf ${records.btfId}`, 'the program\'s BTF object may have been freed; try again', { cause: error });
  }
}

function withheld(kind: string): TsbpfError {
  return new TsbpfError(`the kernel returned no ${kind} instructions`, kind === 'xlated' ? 'kernel.kptr_restrict set? run as root with kernel.kptr_restrict < 2' : 'is the JIT on? (sysctl net.core.bpf_jit_enable) and run as root');
}

export interface XlatedDump {
  info: ProgramInfo;
  fullName: string;
  /** bpftool's text lines (signatures, `; source`, instructions, opcodes). */
  lines: string[];
  /** bpftool's JSON instruction objects. */
  json: XlatedJsonInstruction[];
}

/** `prog dump xlated PROG [opcodes] [linum]` for every program the selector matches. */
export function dumpXlated(selector: ProgramSelector | number, options: XlatedDumpOptions & { json?: boolean } = {}): XlatedDump[] {
  return withXlatedPrograms(selector, (records, symbols) => {
    const btf = btfFor(records);
    return {
      lines: options.json ? [] : xlatedText(records, btf, symbols, options),
      json: options.json ? xlatedJson(records, btf, symbols, options) : [],
    };
  });
}

/** `prog dump xlated PROG visual`: bpftool's DOT control-flow graph of every program the selector matches. */
export function dumpXlatedGraph(selector: ProgramSelector | number): { info: ProgramInfo; fullName: string; dot: string }[] {
  return withXlatedPrograms(selector, (records, symbols) => ({ dot: xlatedDot(records, symbols) }));
}

/**
 * Every program `selector` matches with its info, full name and xlated records (a TsbpfError when the
 * kernel withholds them), handed to `render` for what the dump prints.
 */
function withXlatedPrograms<T extends object>(selector: ProgramSelector | number, render: (records: ProgramRecords, symbols: ReturnType<typeof readKernelSymbols>) => T): ({ info: ProgramInfo; fullName: string } & T)[] {
  const chosen: ProgramSelector = typeof selector === 'number' ? { kind: 'id', id: selector } : selector;
  const symbols = readKernelSymbols();
  using cache = new ProgramListingCache();
  return withPrograms(chosen, (fd) => {
    const info = programInfo(fd);
    const records = readProgramRecords(fd, 'xlated');
    if (records.instructions.length === 0) throw withheld('xlated');
    return { info, fullName: fullNameOf(fd, info, cache), ...render(records, symbols) };
  });
}

/** The raw xlated or jited bytes of one program (`dump ... file FILE`). */
export function programBytes(selector: ProgramSelector, kind: 'xlated' | 'jited'): Uint8Array {
  const fds = openPrograms(selector);
  try {
    if (fds.length > 1) throw new TsbpfError('several programs matched', 'select one program by id or pinned path');
    const records = readProgramRecords(fds[0]!, kind);
    if (records.instructions.length === 0) throw withheld(kind);
    return records.instructions;
  } finally {
    for (const fd of fds) closeRawFd(fd);
  }
}

/** Writes a program's raw instructions to `path` (mode 0600, as bpftool). */
export function writeProgramBytes(selector: ProgramSelector, kind: 'xlated' | 'jited', path: string): void {
  const bytes = programBytes(selector, kind);
  try {
    writeFileSync(path, bytes, { mode: 0o600 });
  } catch (error) {
    throw new TsbpfError(`can't write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'check the path and permissions');
  }
}

export interface JitedFunction {
  /** The kernel symbol of the function (bpf_prog_TAG_NAME), `0x…` when unnamed, `unknown` without ksyms. */
  name: string;
  /** Its BTF signature, when the program has func_info. */
  proto?: string;
  address: bigint | undefined;
  bytes: Uint8Array;
}

export interface JitedDump {
  info: ProgramInfo;
  fullName: string;
  functions: JitedFunction[];
}

/**
 * `prog dump jited PROG`: the native code, split per function as bpftool splits it (jited_func_lens,
 * named from kallsyms). Debian's bpftool 7.1 has no disassembler ("No libbfd support"), so the bytes
 * are the product here.
 */
export function dumpJited(selector: ProgramSelector | number): JitedDump[] {
  const chosen: ProgramSelector = typeof selector === 'number' ? { kind: 'id', id: selector } : selector;
  const symbols = readKernelSymbols();
  using cache = new ProgramListingCache();
  return withPrograms(chosen, (fd) => {
    const info = programInfo(fd);
    const records = readProgramRecords(fd, 'jited');
    if (records.instructions.length === 0) throw withheld('jited');
    const btf = records.funcInfo.length > 0 ? btfFor(records) : undefined;
    const lengths = records.jitedFunctionLengths.length > 0 ? records.jitedFunctionLengths : [records.instructions.length];
    const functions: JitedFunction[] = [];
    let at = 0;
    lengths.forEach((length, i) => {
      const address = records.jitedKsyms[i];
      const name = address === undefined ? 'unknown' : symbols.symbolAt(address) ?? `0x${address.toString(16).padStart(16, '0')}`;
      const fn: JitedFunction = { name, address, bytes: records.instructions.subarray(at, at + length) };
      const record = records.funcInfo[i];
      if (btf && record) {
        const proto = functionSignatureOf(btf, record.typeId);
        if (proto) fn.proto = proto;
      }
      functions.push(fn);
      at += length;
    });
    return { info, fullName: fullNameOf(fd, info, cache), functions };
  });
}

/** `prog pin PROG PATH`: pins one program (mounting bpffs under the path's directory when needed). */
export function pinProgram(selector: ProgramSelector, path: string): void {
  const fds = openPrograms(selector);
  try {
    if (fds.length > 1) throw new TsbpfError('several programs matched', 'select one program by id or pinned path');
    ensureBpffsFor(path);
    bpf.objPin(fds[0]!, path);
  } finally {
    for (const fd of fds) closeRawFd(fd);
  }
}
