/**
 * The bodies of `tsbpf map ...`: parse bpftool's words, call src/inspect, print. Argument mistakes from
 * the library (MapArgumentError) become usage errors (exit 2); kernel failures stay failures (exit 1).
 */
import { BpfError, Errno, TsbpfError } from '../errors.js';
import type { BpfMap } from '../maps/map.js';
import { isPrefix, MapArgumentError, parseCUnsigned, parseMapSelector, type MapSelector } from '../inspect/map-args.js';
import {
  createPinnedMap, deleteElement, dumpOpenMap, listMaps, lookupElement, mapDetailsByFd, mapTypeFromName, mapValueBtf,
  nextKey, openMap, openMaps, parseKeyArguments, updateElement, withPinnedPaths, type MapCreateArguments, type MapDetails, type MapOwnerTable,
} from '../inspect/maps.js';
import { formatDone, formatDump, formatGetNext, formatLookup, formatLookupMiss, formatMaps } from '../inspect/map-text.js';
import { UsageError } from './cli-errors.js';
import type { OutputOptions } from './output.js';

/**
 * The `pids comm(pid)` facts for maps (src/inspect/owners.ts), read before any map is opened, as bpftool
 * builds its table before it opens maps, so this process never lists itself. Debian's bpftool 7.1 is built
 * without its pid iterator and prints none: tests compare with bpftool after removing the pids lines.
 */
async function readMapOwners(): Promise<MapOwnerTable> {
  const { readOwners } = await import('../inspect/owners.js');
  return readOwners().maps;
}

function write(text: string): void {
  if (text) process.stdout.write(text);
}

/** Library argument errors are the command line's fault: exit 2. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof MapArgumentError) throw new UsageError(error.message, error.hint);
    throw error;
  }
}

function selectorAndRest(words: readonly string[]): { selector: MapSelector; rest: string[] } {
  return asUsage(() => parseMapSelector(words));
}

function withMap<T>(selector: MapSelector, use: (map: BpfMap) => T): T {
  const map = openMap(selector);
  try {
    return use(map);
  } finally {
    map.close();
  }
}

function noMoreWords(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]!}'`, 'see tsbpf map --help');
}

export async function runMapCommand(name: string, words: string[], options: OutputOptions): Promise<void> {
  switch (name) {
    case 'show': return show(words, options);
    case 'dump': return dump(words, options);
    case 'lookup': return lookup(words, options);
    case 'update': return update(words, options);
    case 'delete': return remove(words, options);
    case 'getnext': return getNext(words, options);
    case 'pin': return pin(words, options);
    case 'freeze': return freeze(words, options);
    case 'create': return create(words, options);
    default: throw new UsageError(`unknown map command ${name}`);
  }
}

async function show(words: string[], options: OutputOptions): Promise<void> {
  const owners = await readMapOwners();
  const pinned = (details: MapDetails[]) => (options.bpffs ? withPinnedPaths(details) : details);
  if (words.length === 0) {
    write(formatMaps(pinned(listMaps(owners)), options));
    return;
  }
  const { selector, rest } = selectorAndRest(words);
  noMoreWords(rest);
  const maps = openMaps(selector);
  try {
    write(formatMaps(pinned(maps.map((map) => mapDetailsByFd(map.fd.value, map.info(), owners))), options, true));
  } finally {
    for (const map of maps) map.close();
  }
}

function dump(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  noMoreWords(rest);
  const maps = openMaps(selector);
  try {
    const dumps = maps.map((map) => dumpOpenMap(map, { decode: false }));
    write(formatDump(dumps, options));
    const failed = dumps.find((d) => d.walkErrno !== 0);
    if (failed) {
      throw new BpfError('MAP_GET_NEXT_KEY', failed.walkErrno, `${failed.info.name || `map ${failed.info.id}`} cannot be walked by key (bpftool stops here too); read it with its own API (ring buffer reader, pop, peek)`);
    }
  } finally {
    for (const map of maps) map.close();
  }
}

function lookup(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  withMap(selector, (map) => {
    const key = asUsage(() => parseKeyArguments(map, rest)) ?? new Uint8Array(map.keySize);
    const entry = lookupElement(map, key);
    if (!entry) {
      write(formatLookupMiss(key, options));
      throw new TsbpfError('no element at that key', 'list the keys with tsbpf map dump');
    }
    const info = map.info();
    write(formatLookup(info, mapValueBtf(info), entry, options));
  });
}

function update(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  withMap(selector, (map) => {
    asUsage(() => updateElement(map, rest));
  });
  write(formatDone(options));
}

function remove(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  withMap(selector, (map) => {
    const key = asUsage(() => parseKeyArguments(map, rest)) ?? new Uint8Array(map.keySize);
    deleteElement(map, key);
  });
  write(formatDone(options));
}

function getNext(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  withMap(selector, (map) => {
    const key = rest.length > 0 ? asUsage(() => parseKeyArguments(map, rest)) : undefined;
    const next = nextKey(map, key);
    if (!next) throw new BpfError('MAP_GET_NEXT_KEY', Errno.ENOENT, key ? 'that key is the last one' : 'the map is empty');
    write(formatGetNext(key, next, options));
  });
}

function pin(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  if (rest.length !== 1) throw new UsageError('expected the path to pin at', 'tsbpf map pin MAP FILE');
  withMap(selector, (map) => map.pin(rest[0]!));
  write(formatDone(options));
}

function freeze(words: string[], options: OutputOptions): void {
  const { selector, rest } = selectorAndRest(words);
  noMoreWords(rest);
  withMap(selector, (map) => map.freeze());
  write(formatDone(options));
}

function parseU32(word: string | undefined, what: string): number {
  const value = word === undefined ? undefined : parseCUnsigned(word, 0);
  if (word === undefined || value === undefined || word === '') throw new UsageError(`can't parse ${what}${word === undefined ? '' : `: ${word}`}`);
  if (value > 0xffff_ffffn) throw new UsageError(`${what} out of range: ${word}`);
  return Number(value);
}

/** bpftool's `map create` words, each at most once; type, sizes, entries and name are required. */
function parseCreate(words: string[]): MapCreateArguments {
  if (words.length < 7) throw new UsageError('map create needs FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES name NAME', 'see tsbpf map create --help');
  const [path, ...rest] = words;
  const spec: Partial<MapCreateArguments> & { path: string } = { path: path!, flags: 0, keySize: 0, valueSize: 0, maxEntries: 0 };
  let typeSet = false;
  while (rest.length > 0) {
    const word = rest.shift()!;
    const argument = rest.shift();
    if (argument === undefined) throw new UsageError(`'${word}' needs a value`);
    if (isPrefix(word, 'type')) {
      if (typeSet) throw new UsageError('map type already specified');
      spec.type = asUsage(() => mapTypeFromName(argument));
      typeSet = true;
    } else if (isPrefix(word, 'name')) {
      spec.name = argument;
    } else if (isPrefix(word, 'key')) {
      spec.keySize = parseU32(argument, 'key size');
    } else if (isPrefix(word, 'value')) {
      spec.valueSize = parseU32(argument, 'value size');
    } else if (isPrefix(word, 'entries')) {
      spec.maxEntries = parseU32(argument, 'max entries');
    } else if (isPrefix(word, 'flags')) {
      spec.flags = parseU32(argument, 'flags');
    } else if (isPrefix(word, 'dev')) {
      throw new TsbpfError(`offload device ${argument}: map offload is not supported by tsbpf yet`, 'create the map without dev');
    } else if (isPrefix(word, 'inner_map')) {
      const parsed = selectorAndRest([argument, ...rest]);
      spec.innerMap = parsed.selector;
      rest.splice(0, rest.length, ...parsed.rest);
    } else {
      throw new UsageError(`unknown arg ${word}`);
    }
  }
  if (spec.name === undefined) throw new UsageError('map name not specified');
  if (spec.type === undefined) throw new UsageError('map type not specified');
  return spec as MapCreateArguments;
}

function create(words: string[], options: OutputOptions): void {
  createPinnedMap(parseCreate(words));
  write(formatDone(options));
}
