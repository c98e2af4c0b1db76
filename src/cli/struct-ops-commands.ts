/**
 * Bodies of the `tsbpf struct_ops` commands (bpftool's struct_ops object), loaded only when one runs:
 * show|list the kernel's struct_ops maps, register an object's struct_ops maps (they stay registered
 * after tsbpf exits: `.struct_ops.link` ones through links pinned in LINK_DIR), unregister by id or name.
 */
import { join } from 'node:path';
import { BpfError, Errno, TsbpfError } from '../errors.js';
import { mapIds } from '../info/ids.js';
import { mapInfoById, type MapInfo } from '../info/map-info.js';
import { attachStructOps } from '../link/struct-ops.js';
import { kernelBtf } from '../loader/kernel-btf.js';
import { loadObject } from '../loader/load-object.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { UsageError } from './cli-errors.js';
import { parseObjectId } from './inspect-arguments.js';
import { toJson, type OutputOptions } from './output.js';

const WRAPPER_PREFIX = 'bpf_struct_ops_';

interface StructOpsEntry {
  id: number;
  name: string;
  /** The kernel struct it implements (`tcp_congestion_ops`). */
  kernelStructOps: string;
}

function entryOf(info: MapInfo): StructOpsEntry {
  // the value type is the kernel's `struct bpf_struct_ops_<name>`
  const valueType = info.btfVmlinuxValueTypeId ? kernelBtf().type(info.btfVmlinuxValueTypeId).name : '';
  return { id: info.id, name: info.name, kernelStructOps: valueType.startsWith(WRAPPER_PREFIX) ? valueType.slice(WRAPPER_PREFIX.length) : valueType };
}

function structOpsMaps(): StructOpsEntry[] {
  const entries: StructOpsEntry[] = [];
  for (const id of mapIds()) {
    let info: MapInfo;
    try {
      info = mapInfoById(id);
    } catch (error) {
      if (error instanceof BpfError && error.errno === Errno.ENOENT) continue; // freed during the walk
      throw error;
    }
    if (info.type === MapType.StructOps) entries.push(entryOf(info));
  }
  return entries;
}

/** `id N` or `name NAME`, as bpftool's struct_ops commands take them. */
function select(words: readonly string[], command: string): StructOpsEntry[] {
  const [keyword, value] = words;
  if (words.length !== 2 || value === undefined || (keyword !== 'id' && keyword !== 'name')) {
    throw new UsageError(`expected 'id N' or 'name NAME', got ${JSON.stringify(words.join(' '))}`, `e.g. tsbpf struct_ops ${command} name tcp_ca`);
  }
  if (keyword === 'id') {
    const id = parseObjectId(value, 'struct_ops');
    let info: MapInfo;
    try {
      info = mapInfoById(id);
    } catch (error) {
      if (error instanceof BpfError) throw new BpfError('MAP_GET_FD_BY_ID', error.errno, 'list them with tsbpf struct_ops show', `can't get map by id (${id})`);
      throw error;
    }
    if (info.type !== MapType.StructOps) throw new TsbpfError(`map ${id} is not a struct_ops map`, 'list them with tsbpf struct_ops show');
    return [entryOf(info)];
  }
  const found = structOpsMaps().filter((entry) => entry.name === value);
  if (found.length === 0) throw new TsbpfError(`no struct_ops found for ${value}`, 'list them with tsbpf struct_ops show');
  return found;
}

function text(entry: StructOpsEntry): string {
  return `${entry.id}: ${entry.name.padEnd(15)} ${entry.kernelStructOps.padEnd(32)}\n`;
}

function json(entry: StructOpsEntry): Record<string, unknown> {
  return { id: entry.id, name: entry.name, kernel_struct_ops: entry.kernelStructOps };
}

export function structOpsShowOutput(words: readonly string[], options: OutputOptions): string {
  const entries = words.length > 0 ? select(words, 'show') : structOpsMaps();
  if (!options.json) return entries.map(text).join('');
  // bpftool: one object for `id N`, an array otherwise
  return `${toJson(words[0] === 'id' ? json(entries[0]!) : entries.map(json), options.pretty)}\n`;
}

/** Registers every struct_ops map of the object; they outlive this process (`.struct_ops.link` ones pinned in `linkDirectory`). */
export async function structOpsRegister(words: readonly string[], options: OutputOptions): Promise<string> {
  const [path, linkDirectory] = words;
  if (path === undefined || words.length > 2) throw new UsageError(`expected 'OBJ [LINK_DIR]', got ${JSON.stringify(words.join(' '))}`, 'e.g. tsbpf struct_ops register my_ca.bpf.o');
  const lines: string[] = [];
  const object = await loadObject(path);
  try {
    const maps = object.spec.maps.filter((map) => map.structOps);
    if (maps.length === 0) throw new TsbpfError(`${path} has no struct_ops map`, 'declare a variable in SEC(".struct_ops") or SEC(".struct_ops.link")');
    for (const spec of maps) {
      const map = object.maps[spec.fullName]!;
      const link = attachStructOps(map);
      if (link.isBpfLink && linkDirectory) link.pin(join(linkDirectory, spec.fullName));
      else if (link.isBpfLink) process.stderr.write(`tsbpf: struct_ops ${spec.fullName} is a .struct_ops.link map and no LINK_DIR was given: it is unregistered when tsbpf exits; give LINK_DIR to pin its link\n`);
      link.disconnect();
      lines.push(`Registered ${spec.structOps!.typeName} ${spec.fullName} id ${map.id}\n`);
    }
  } finally {
    object.close();
  }
  return options.json ? 'null\n' : lines.join('');
}

/** Unregisters each map selected; like bpftool, one that can't be unregistered doesn't stop the others. */
export function structOpsUnregister(words: readonly string[], options: OutputOptions): string {
  const lines: string[] = [];
  const failures: BpfError[] = [];
  for (const entry of select(words, 'unregister')) {
    using map = BpfMap.fromId(entry.id);
    if (map.delete(new Uint8Array(4))) lines.push(`Unregistered ${entry.kernelStructOps} ${entry.name} id ${entry.id}\n`);
    else failures.push(new BpfError('MAP_DELETE_ELEM', Errno.ENOENT, 'it is not registered (a .struct_ops.link map is unregistered by closing or unpinning its link)', `can't unload ${entry.kernelStructOps} ${entry.name} id ${entry.id}`));
  }
  if (lines.length === 0 && failures[0]) throw failures[0];
  for (const failure of failures) process.stderr.write(`tsbpf: ${failure.message}\n`);
  return options.json ? 'null\n' : lines.join('');
}
