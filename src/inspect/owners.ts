/**
 * Which processes hold each BPF program, map and link: bpftool's `pids comm(pid)` facts.
 * Two readers give the same table: a BPF iterator over task files (bpftool's way) and /proc (fd links
 * and fdinfo). `readOwners()` uses the faster one and falls back to the other when it cannot run (an
 * unprivileged user cannot load the iterator; a package without the compiled iterator has none).
 *
 * The facts follow bpftool's pid_iter: the pid is the process (tgid), the comm its leader's, one entry
 * per process however many fds it holds, sorted by pid. bpftool excludes nothing but its own iterator
 * objects (they are gone when it prints); so does this: the calling process is listed for every
 * object it holds, like any other process.
 */
import { TsbpfError } from '../errors.js';
import { readOwnersFromIterator } from './owners-iterator.js';
import { readOwnersFromProc } from './owners-proc.js';
import type { OwnerMethod, OwnerTable } from './owners-table.js';

export type { Owner, OwnerMethod, OwnerTable } from './owners-table.js';

export interface ReadOwnersOptions {
  /** Force one reader; a forced reader that fails throws instead of falling back. */
  method?: OwnerMethod;
}

const READERS: Readonly<Record<OwnerMethod, () => OwnerTable>> = {
  iterator: readOwnersFromIterator,
  proc: readOwnersFromProc,
};

/** The default reader: measured faster here (see owners.test.ts and the report in the commit log). */
export const DEFAULT_OWNER_METHOD: OwnerMethod = 'iterator';

/** Set once the iterator failed in this process, so later calls go straight to /proc. */
let iteratorUnavailable: string | undefined;

/** The owners of every program, map and link this user can see, each list sorted by pid. */
export function readOwners(options: ReadOwnersOptions = {}): OwnerTable {
  if (options.method) return READERS[options.method]();
  if (DEFAULT_OWNER_METHOD === 'iterator' && iteratorUnavailable === undefined) {
    try {
      return readOwnersFromIterator();
    } catch (error) {
      if (!(error instanceof TsbpfError)) throw error;
      iteratorUnavailable = error.message;
    }
  }
  const table = readOwnersFromProc();
  if (DEFAULT_OWNER_METHOD === 'iterator') table.fallbackReason = iteratorUnavailable;
  return table;
}
