/**
 * JIT symbol maps: /tmp/perf-PID.map, which `node --perf-basic-prof` (and other JITs) write as lines
 * "START SIZE NAME" in hex, one per compiled function. V8 appends as it compiles, so the file is read
 * again when it has grown since the last read.
 */
import { readFileSync, statSync } from 'node:fs';
import { AddressTable, type AddressEntry, type AddressHit } from './address-table.js';

export function parsePerfMap(text: string): AddressTable {
  const entries: AddressEntry[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(' ');
    const second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    if (second < 0) continue;
    const start = Number.parseInt(line.slice(0, first), 16);
    const size = Number.parseInt(line.slice(first + 1, second), 16);
    const name = line.slice(second + 1).trimEnd();
    if (Number.isNaN(start) || Number.isNaN(size) || name === '') continue;
    entries.push({ start, size, name });
  }
  return new AddressTable(entries);
}

export class PerfMapFile {
  readonly path: string;
  #table: AddressTable | undefined;
  #readSize = -1;

  constructor(path: string) {
    this.path = path;
  }

  /** The JIT function at `address`; reads the file again first when it grew since the last miss. */
  lookup(address: number): AddressHit | undefined {
    const hit = this.#table?.lookup(address);
    if (hit) return hit;
    if (!this.#refresh()) return undefined;
    return this.#table?.lookup(address);
  }

  /** Whether the file was read again (it exists and its size changed). */
  #refresh(): boolean {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return false;
    }
    if (size === this.#readSize) return false;
    try {
      const text = readFileSync(this.path, 'utf8');
      this.#table = parsePerfMap(text);
      this.#readSize = Buffer.byteLength(text);
    } catch {
      return false;
    }
    return true;
  }
}

/** Where a process's perf map is: /tmp inside its own root (a container's), named by its own pid there. */
export function perfMapPaths(pid: number): string[] {
  const paths = [`/tmp/perf-${pid}.map`];
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const namespacePid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).at(-1);
    if (namespacePid) paths.unshift(`/proc/${pid}/root/tmp/perf-${namespacePid}.map`);
  } catch {
    // the process is gone: its map, if any, is still in the host's /tmp
  }
  return paths;
}
