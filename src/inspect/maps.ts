/**
 * The running kernel's maps, as bpftool's `map` commands see them: every map with its info and the
 * facts only fdinfo has (memlock, frozen, a prog array's owner), one map's elements read with its BTF,
 * and the element commands bpftool offers. Plain data out; map-text.ts prints it bpftool's way.
 */
import { readPinnedPaths } from './pinned-paths.js';
import { readFileSync } from 'node:fs';
import { Btf } from '../btf/btf.js';
import { decodeBtfValue, type BtfValue } from '../btf/value-codec.js';
import { BpfError, Errno, InvalidArgumentError } from '../errors.js';
import { BtfObject } from '../info/btf-object.js';
import { mapIds, programIds } from '../info/ids.js';
import { mapInfo, type MapInfo } from '../info/map-info.js';
import { programInfoById } from '../info/program-info.js';
import { BpfMap } from '../maps/map.js';
import { MapType, mapTypeByName } from '../maps/map-types.js';
import { isPerCpuType, roundUp8, splitPerCpu } from '../maps/per-cpu.js';
import { Program } from '../programs/program.js';
import { bpf, closeRawFd, FileDescriptor, NativeMemory, readKernelBtfFile } from '../sys/index.js';
import {
  type ElementArguments, type ElementShape, type MapSelector, type ProgramSelector, MapArgumentError, parseElementArguments,
} from './map-args.js';

/** A process holding a map open (src/inspect/owners.ts reads them). */
export interface MapOwner {
  pid: number;
  comm: string;
}

/** What bpftool's `map show` prints about one map. */
export interface MapDetails {
  info: MapInfo;
  /** fdinfo `memlock`, as the kernel wrote it (bpftool prints the text); undefined when absent. */
  memlock: string | undefined;
  /** fdinfo `frozen`: 1 once user space froze the map. */
  frozen: number;
  /** Prog arrays: the program type and JIT state of the first program that used the map. */
  ownerProgramType: number | undefined;
  ownerJited: boolean | undefined;
  /** Processes holding the map, when the caller asked for owners. */
  owners: readonly MapOwner[] | undefined;
  /** bpffs paths it is pinned at (bpftool -f), set by withPinnedPaths; undefined when nothing is pinned. */
  pinned?: readonly string[];
}

export type MapOwnerTable = ReadonlyMap<number, readonly MapOwner[]>;

/** One line per `key: value` of /proc/self/fdinfo/FD. */
function readFdinfo(fd: number): Map<string, string> {
  const fields = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    return fields;
  }
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** The details of the map open at `fd` (with `info` already read, as a listing has it). */
export function mapDetailsByFd(fd: number, info: MapInfo = mapInfo(fd), owners?: MapOwnerTable): MapDetails {
  const fdinfo = readFdinfo(fd);
  const ownerType = info.type === MapType.ProgArray ? fdinfo.get('owner_prog_type') : undefined;
  const ownerJited = info.type === MapType.ProgArray ? fdinfo.get('owner_jited') : undefined;
  return {
    info,
    memlock: fdinfo.get('memlock'),
    frozen: Number.parseInt(fdinfo.get('frozen') ?? '0', 10) || 0,
    ownerProgramType: ownerType === undefined ? undefined : Number.parseInt(ownerType, 10),
    ownerJited: ownerJited === undefined ? undefined : Number.parseInt(ownerJited, 10) !== 0,
    owners: owners ? (owners.get(info.id) ?? []) : undefined,
  };
}

/** The details of map `id` (BpfError ENOENT when there is none). */
export function mapDetails(id: number, owners?: MapOwnerTable): MapDetails {
  const fd = bpf.getFdById('MAP', id);
  try {
    return mapDetailsByFd(fd, mapInfo(fd), owners);
  } finally {
    closeRawFd(fd);
  }
}

/** Every map in id order; a map freed between the id walk and its open is skipped, as bpftool does. */
export function listMaps(owners?: MapOwnerTable): MapDetails[] {
  const maps: MapDetails[] = [];
  for (const id of mapIds()) {
    let fd: number;
    try {
      fd = bpf.getFdById('MAP', id);
    } catch (error) {
      if (error instanceof BpfError && error.errno === Errno.ENOENT) continue;
      throw error;
    }
    try {
      maps.push(mapDetailsByFd(fd, mapInfo(fd), owners));
    } finally {
      closeRawFd(fd);
    }
  }
  return maps;
}

/** The map fd behind a pinned path, refusing a pinned program or link. */
function openPinnedMap(path: string): BpfMap {
  return BpfMap.fromFd(new FileDescriptor(bpf.objGet(path), `map pinned at ${path}`));
}

/**
 * The maps a selector names, open: one for `id` and `pinned`, every map of that name for `name`
 * (bpftool's map_parse_fds). The caller closes them.
 */
export function openMaps(selector: MapSelector): BpfMap[] {
  switch (selector.kind) {
    case 'id': return [BpfMap.fromId(selector.id)];
    case 'pinned': return [openPinnedMap(selector.path)];
    case 'name': {
      const found: BpfMap[] = [];
      try {
        for (const id of mapIds()) {
          try {
            const map = BpfMap.fromId(id);
            if (map.name === selector.name) found.push(map);
            else map.close();
          } catch (error) {
            if (!(error instanceof BpfError && error.errno === Errno.ENOENT)) throw error;
          }
        }
      } catch (error) {
        for (const map of found) map.close();
        throw error;
      }
      if (found.length === 0) throw new InvalidArgumentError(`no map with name ${selector.name} found`, 'list the maps with tsbpf map list');
      return found;
    }
  }
}

/** Exactly one map (bpftool's map_parse_fd): a name matching several is refused. */
export function openMap(selector: MapSelector): BpfMap {
  const maps = openMaps(selector);
  if (maps.length > 1) {
    for (const map of maps) map.close();
    throw new InvalidArgumentError(`several maps match this handle (name ${selector.kind === 'name' ? selector.name : ''})`, 'name the map by id or pinned path');
  }
  return maps[0]!;
}

/** A program fd for a prog array's value; the caller closes it. */
export function openProgram(selector: ProgramSelector): Program {
  switch (selector.kind) {
    case 'id': return Program.fromId(selector.id);
    case 'pinned': return Program.fromPinned(selector.path);
    case 'name':
    case 'tag': {
      const matches: number[] = [];
      for (const id of programIds()) {
        try {
          const info = programInfoById(id);
          if (selector.kind === 'name' ? info.name === selector.name : info.tag === selector.tag) matches.push(id);
        } catch (error) {
          if (!(error instanceof BpfError && error.errno === Errno.ENOENT)) throw error;
        }
      }
      const what = selector.kind === 'name' ? `name ${selector.name}` : `tag ${selector.tag}`;
      if (matches.length === 0) throw new InvalidArgumentError(`no program with ${what} found`, 'list the programs with tsbpf prog list');
      if (matches.length > 1) throw new InvalidArgumentError(`several programs match this handle (${what})`, 'name the program by id or pinned path');
      return Program.fromId(matches[0]!);
    }
  }
}

let vmlinuxBtf: Btf | undefined;

/**
 * The BTF that types a map's value, as bpftool picks it: the kernel's for struct_ops values, else the
 * map's own BTF object when it names a value type; undefined when the value has no type.
 */
export function mapValueBtf(info: MapInfo): Btf | undefined {
  if (info.btfVmlinuxValueTypeId) return (vmlinuxBtf ??= Btf.parse(readKernelBtfFile()));
  if (!info.btfValueTypeId) return undefined;
  using object = BtfObject.fromId(info.btfId);
  return Btf.parse(object.data());
}

/** The value type id bpftool formats with: the vmlinux type for struct_ops, else the map's. */
export function mapValueTypeId(info: MapInfo): number {
  return info.btfVmlinuxValueTypeId || info.btfValueTypeId;
}

/** One element as a dump or a lookup reads it. */
export interface MapEntry {
  key: Uint8Array;
  /** The value bytes (for per-CPU maps every CPU's slot, each rounded up to 8 bytes); absent on error. */
  value?: Uint8Array;
  /** The errno of a lookup that failed (prog arrays and maps of maps skip ENOENT, as bpftool does). */
  errno?: number;
  /** Decoded from the map's BTF when it has one (per-CPU maps: one value per CPU). */
  decoded?: { key?: BtfValue; value?: BtfValue | BtfValue[] };
}

export interface MapDump {
  info: MapInfo;
  /** The BTF bpftool formats values with, when the map has value types. */
  btf: Btf | undefined;
  entries: MapEntry[];
  /** The errno that ended the key walk early (ringbuf, queue and bloom filter maps refuse get_next_key); 0 when it ran to the end. */
  walkErrno: number;
}

/** Values of per-CPU maps come back as one slot per possible CPU. */
export function valueSlots(info: MapInfo, value: Uint8Array): Uint8Array[] {
  return isPerCpuType(info.type) ? splitPerCpu(info, value) : [value.subarray(0, info.valueSize)];
}

function decodeEntry(info: MapInfo, btf: Btf, key: Uint8Array, value: Uint8Array): MapEntry['decoded'] {
  const decoded: NonNullable<MapEntry['decoded']> = {};
  if (info.btfKeyTypeId) decoded.key = decodeBtfValue(btf, info.btfKeyTypeId, key);
  const typeId = mapValueTypeId(info);
  const slots = valueSlots(info, value).map((slot) => decodeBtfValue(btf, typeId, slot));
  decoded.value = isPerCpuType(info.type) ? slots : slots[0]!;
  return decoded;
}

const SKIPPED_WHEN_ABSENT: ReadonlySet<number> = new Set([MapType.ProgArray, MapType.ArrayOfMaps, MapType.HashOfMaps]);

/** Reads every element of an open map in the kernel's key order (`decode` adds BTF-decoded values). */
export function dumpOpenMap(map: BpfMap, options: { decode?: boolean; btf?: Btf | null } = {}): MapDump {
  const info = map.info();
  const btf = options.btf === null ? undefined : options.btf ?? mapValueBtf(info);
  const entries: MapEntry[] = [];
  const keyMemory = new NativeMemory(Math.max(info.keySize, 1));
  const nextMemory = new NativeMemory(Math.max(info.keySize, 1));
  let walkErrno = 0;
  try {
    let previous = 0;
    for (;;) {
      let more: boolean;
      try {
        more = bpf.mapGetNextKey(map.fd.value, previous, nextMemory.address);
      } catch (error) {
        if (!(error instanceof BpfError)) throw error;
        walkErrno = error.errno;
        break;
      }
      if (!more) break;
      const key = nextMemory.bytes.slice(0, info.keySize);
      keyMemory.bytes.set(key);
      previous = keyMemory.address;
      const entry: MapEntry = { key };
      try {
        const value = map.lookup(key);
        if (value) entry.value = value;
        else entry.errno = Errno.ENOENT;
      } catch (error) {
        if (!(error instanceof BpfError)) throw error;
        entry.errno = error.errno;
      }
      if (entry.errno === Errno.ENOENT && SKIPPED_WHEN_ABSENT.has(info.type)) continue;
      if (entry.value && btf && options.decode !== false) entry.decoded = decodeEntry(info, btf, key, entry.value);
      entries.push(entry);
    }
  } finally {
    keyMemory.free();
    nextMemory.free();
  }
  return { info, btf, entries, walkErrno };
}

/** Every element of map `id`, decoded from its BTF when it has one. */
export function dumpMap(id: number): MapDump {
  using map = BpfMap.fromId(id);
  return dumpOpenMap(map);
}

function elementShape(map: BpfMap): ElementShape {
  const valueKind = map.type === MapType.ProgArray ? 'program' : map.type === MapType.ArrayOfMaps || map.type === MapType.HashOfMaps ? 'map' : 'bytes';
  return { keySize: map.keySize, valueSize: map.valueSize, valueKind };
}

/** Parses `key ...` for lookup, delete and getnext on `map`. */
export function parseKeyArguments(map: BpfMap, words: readonly string[]): Uint8Array | undefined {
  return parseElementArguments(words, elementShape(map), { key: true, value: false, flags: false }).key;
}

/** The element at `key`, or undefined when absent. */
export function lookupElement(map: BpfMap, key: Uint8Array): MapEntry | undefined {
  const value = map.lookup(key);
  return value ? { key, value } : undefined;
}

/** The key after `key` (the first key when `key` is undefined); undefined at the end. */
export function nextKey(map: BpfMap, key: Uint8Array | undefined): Uint8Array | undefined {
  const current = new NativeMemory(Math.max(map.keySize, 1));
  const next = new NativeMemory(Math.max(map.keySize, 1));
  try {
    if (key) current.bytes.set(key);
    return bpf.mapGetNextKey(map.fd.value, key ? current.address : 0, next.address) ? next.bytes.slice(0, map.keySize) : undefined;
  } finally {
    current.free();
    next.free();
  }
}

/**
 * `update MAP key ... value ... [any|exist|noexist]` as bpftool does it: a per-CPU value is copied to
 * every CPU, a prog array or map-of-maps value is the fd of the program or map it names.
 */
export function updateElement(map: BpfMap, words: readonly string[]): void {
  const parsed: ElementArguments = parseElementArguments(words, elementShape(map), { key: true, value: true, flags: true });
  const key = parsed.key ?? new Uint8Array(map.keySize);
  let value: Uint8Array;
  let held: { close(): void } | undefined;
  try {
    if (parsed.valueObject) {
      const object = parsed.valueObject.kind === 'map' ? openMap(parsed.valueObject.selector) : openProgram(parsed.valueObject.selector);
      held = object;
      value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, object.fd.value, true);
    } else {
      value = perCpuCopies(map, parsed.value ?? new Uint8Array(map.valueSize));
    }
    map.update(key, value, parsed.flags ?? 0);
  } finally {
    held?.close();
  }
}

function perCpuCopies(map: BpfMap, one: Uint8Array): Uint8Array {
  if (!isPerCpuType(map.type)) return one;
  const stride = roundUp8(map.valueSize);
  const all = new Uint8Array(map.valueBufferSize);
  for (let at = 0; at < all.length; at += stride) all.set(one, at);
  return all;
}

/** `delete MAP key ...`: BpfError ENOENT when the key is absent, as bpftool reports it. */
export function deleteElement(map: BpfMap, key: Uint8Array): void {
  if (!map.delete(key)) throw new BpfError('MAP_DELETE_ELEM', Errno.ENOENT, 'the key is not in the map');
}

/** What `map create` takes, bpftool's words parsed. */
export interface MapCreateArguments {
  path: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
  flags: number;
  innerMap?: MapSelector;
  ifindex?: number;
}

/** Creates a map and pins it at `path`; the map lives on through the pin. */
export function createPinnedMap(spec: MapCreateArguments): void {
  const inner = spec.innerMap ? openMap(spec.innerMap) : undefined;
  try {
    using map = BpfMap.create({
      type: spec.type as MapType, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries,
      name: spec.name, flags: spec.flags, ...(inner ? { innerMap: inner } : {}), ...(spec.ifindex ? { ifindex: spec.ifindex } : {}),
    });
    map.pin(spec.path);
  } finally {
    inner?.close();
  }
}

/** A map type by bpftool's name (`hash`, `percpu_array`, ...). */
export function mapTypeFromName(name: string): number {
  const type = mapTypeByName(name);
  if (type === undefined) throw new MapArgumentError(`unrecognized map type: ${name}`, 'use a type name as tsbpf map list prints it (hash, array, percpu_hash, ...)');
  return type;
}

/**
 * Fills in where each map is pinned, as bpftool -f shows it: every map gets a list (maybe empty) once
 * any map is pinned anywhere, none when nothing is.
 */
export function withPinnedPaths(maps: MapDetails[]): MapDetails[] {
  const pins = readPinnedPaths('map');
  if (pins.size === 0) return maps;
  for (const map of maps) map.pinned = pins.get(map.info.id) ?? [];
  return maps;
}
