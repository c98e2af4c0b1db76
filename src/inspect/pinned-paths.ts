/**
 * Where programs, maps and links are pinned: bpftool's `-f`/`--bpffs` table. Every bpffs mount in
 * /proc/mounts is walked as nftw walks it (directory entries in the order the kernel returns them,
 * a directory's contents right after it, symlinks not followed); every regular file that opens as an
 * object of the asked kind adds its path under the object's id.
 *
 * The paths of one object come in bpftool's order, which is its hash table's, not the walk's: each new
 * path goes first, and each time the table grows (before an insert, when (size + 1) * 4 / 3 exceeds
 * the capacity; capacity 4, then doubling) the entries already there reverse their order.
 */
import { closeSync, lstatSync, opendirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { linkInfo } from '../info/link-info.js';
import { mapInfo } from '../info/map-info.js';
import { programInfo } from '../info/program-info.js';
import { bpf } from '../sys/index.js';

export type PinnedKind = 'program' | 'map' | 'link';

/** What /proc/self/fd/N reads for each kind: `anon_inode:bpf-prog` and so on. */
const INODE_NAMES: Readonly<Record<PinnedKind, string>> = { program: 'anon_inode:bpf-prog', map: 'anon_inode:bpf-map', link: 'anon_inode:bpf-link' };

/** The bpffs mount points, in /proc/mounts order (octal escapes in paths decoded). */
export function bpffsMounts(mounts = '/proc/mounts'): string[] {
  let text: string;
  try {
    text = readFileSync(mounts, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((line) => line.split(' ')).filter((fields) => fields[2] === 'bpf')
    .map((fields) => fields[1]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

/** Pinned paths by object id for one kind, each list in bpftool's order. */
export function readPinnedPaths(kind: PinnedKind): Map<number, string[]> {
  const table = new PinTable();
  for (const mount of bpffsMounts()) walk(mount, kind, table);
  return table.byId;
}

function walk(directory: string, kind: PinnedKind, table: PinTable): void {
  let dir;
  try {
    dir = opendirSync(directory);
  } catch {
    return; // unreadable: nftw skips it too
  }
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const path = join(directory, entry.name);
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        continue; // gone since the read
      }
      if (stat.isDirectory()) walk(path, kind, table);
      else if (stat.isFile()) {
        const id = pinnedId(path, kind);
        if (id !== undefined) table.add(id, path);
      }
    }
  } finally {
    dir.closeSync();
  }
}

function pinnedId(path: string, kind: PinnedKind): number | undefined {
  let fd: number;
  try {
    fd = bpf.objGet(path);
  } catch {
    return undefined; // not a BPF object (progs.debug and the like), or not ours to open
  }
  try {
    if (readlinkSync(`/proc/self/fd/${fd}`) !== INODE_NAMES[kind]) return undefined;
    return kind === 'program' ? programInfo(fd).id : kind === 'map' ? mapInfo(fd).id : linkInfo(fd).id;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** libbpf's hashmap as bpftool fills it (hashmap__append), reduced to what orders one key's entries. */
class PinTable {
  readonly byId = new Map<number, string[]>();
  #size = 0;
  #capacity = 0;

  add(id: number, path: string): void {
    if (this.#capacity === 0 || Math.floor((this.#size + 1) * 4 / 3) > this.#capacity) {
      this.#capacity = Math.max(4, this.#capacity * 2);
      // rehashing walks each chain from its head and pushes onto the new chain's head
      for (const paths of this.byId.values()) paths.reverse();
    }
    const paths = this.byId.get(id);
    if (paths) paths.unshift(path);
    else this.byId.set(id, [path]);
    this.#size++;
  }
}
