/** /proc/PID/maps: which file (or anonymous memory) each address range of a process maps. */
import { readFileSync } from 'node:fs';

export interface Mapping {
  start: number;
  end: number;
  /** "r-xp" and the like. */
  permissions: string;
  /** Offset in the file of the mapping's first byte. */
  fileOffset: number;
  /** "major:minor inode": the file's identity, for caching its symbols. */
  device: string;
  inode: number;
  /** An absolute path, a pseudo name ([heap], [vdso], [anon:...]), or '' for anonymous memory. */
  path: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/;

export function parseProcessMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    mappings.push({
      start: Number.parseInt(match[1]!, 16),
      end: Number.parseInt(match[2]!, 16),
      permissions: match[3]!,
      fileOffset: Number.parseInt(match[4]!, 16),
      device: match[5]!,
      inode: Number(match[6]),
      path: match[7]!,
    });
  }
  return mappings.sort((a, b) => a.start - b.start);
}

/** The process's mappings; empty when it is gone or unreadable. */
export function readProcessMaps(pid: number): Mapping[] {
  try {
    return parseProcessMaps(readFileSync(`/proc/${pid}/maps`, 'latin1'));
  } catch {
    return [];
  }
}

/** The mapping holding `address` (mappings sorted by start). */
export function findMapping(mappings: readonly Mapping[], address: number): Mapping | undefined {
  let low = 0;
  let high = mappings.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const mapping = mappings[middle]!;
    if (address < mapping.start) high = middle - 1;
    else if (address >= mapping.end) low = middle + 1;
    else return mapping;
  }
  return undefined;
}

/** A file-backed mapping (as opposed to anonymous memory, a JIT's code, [heap], [vdso] ...). */
export function isFileMapping(mapping: Mapping): boolean {
  return mapping.path.startsWith('/') && mapping.inode !== 0;
}
