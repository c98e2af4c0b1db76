/**
 * Which processes hold each BPF program, map, link and BTF object: bpftool's `pids comm(pid)` facts.
 * Two readers give the same table: a BPF iterator over task files (bpftool's way, owners-iterator.ts)
 * and /proc (fd links and fdinfo, owners-proc.ts).
 *
 * Which is faster depends on the process, so the default follows it (figures on this machine, 200
 * programs + 200 maps held by 10 processes, ~400 processes in all, medians):
 * - warm, in a process that reads owners again and again: iterator 7 ms, /proc 26 ms;
 * - cold, the first read in a fresh process (a CLI run): the iterator needs the object loader (~75 ms
 *   of module loading) and a first load with CO-RE against vmlinux (~40 ms), /proc ~5-26 ms in all.
 * So this module does not import the loader: `readOwners()` reads /proc until
 * `prepareOwnersIterator()` has loaded the iterator's code (and warmed it with one read), and then
 * uses the iterator; when the iterator cannot run (unprivileged, no compiled object, no iterator
 * support) it stays on /proc and says why in `fallbackReason`.
 *
 * The facts follow bpftool's pid_iter: the pid is the process (tgid), the comm its group leader's, one
 * entry per process however many fds it holds, sorted by pid. bpftool hides nothing but its own
 * iterator's objects (they are gone when it prints); so does this: the calling process is listed for
 * every object it holds, like any other process.
 */
import { InvalidArgumentError, TsbpfError } from '../errors.js';
import { readOwnersFromProc } from './owners-proc.js';
import type { OwnersScanner } from './owners-iterator.js';
import type { OwnerMethod, OwnerTable } from './owners-table.js';

export type { Owner, OwnerMethod, OwnerTable } from './owners-table.js';
export type { OwnersScanner } from './owners-iterator.js';

export interface ReadOwnersOptions {
  /** Force one reader; a forced reader that fails throws instead of falling back. */
  method?: OwnerMethod;
}

type IteratorState =
  | { state: 'unprepared' }
  | { state: 'ready'; read: () => OwnerTable }
  | { state: 'unavailable'; error: TsbpfError };

let iterator: IteratorState = { state: 'unprepared' };

/**
 * Loads the iterator reader and reads once, so later `readOwners()` calls use it. Returns the method
 * `readOwners()` will use from now on. Cheap to call again.
 */
export async function prepareOwnersIterator(): Promise<OwnerMethod> {
  if (iterator.state === 'unprepared') {
    const { readOwnersFromIterator } = await import('./owners-iterator.js');
    try {
      readOwnersFromIterator();
      iterator = { state: 'ready', read: readOwnersFromIterator };
    } catch (error) {
      if (!(error instanceof TsbpfError)) throw error;
      iterator = { state: 'unavailable', error };
    }
  }
  return iterator.state === 'ready' ? 'iterator' : 'proc';
}

/** The owners of every program, map, link and BTF object this user can see, each list sorted by pid. */
export function readOwners(options: ReadOwnersOptions = {}): OwnerTable {
  if (options.method === 'proc') return readOwnersFromProc();
  if (options.method === 'iterator') {
    if (iterator.state === 'ready') return iterator.read();
    if (iterator.state === 'unavailable') throw iterator.error;
    throw new InvalidArgumentError('readOwners({ method: \'iterator\' }) before the iterator reader was loaded', 'await prepareOwnersIterator() first');
  }
  let failure: TsbpfError | undefined;
  if (iterator.state === 'ready') {
    try {
      return iterator.read();
    } catch (error) {
      // it loaded before, so this is taken as passing (a signal, memory): /proc this time, the iterator next time
      if (!(error instanceof TsbpfError)) throw error;
      failure = error;
    }
  } else if (iterator.state === 'unavailable') {
    failure = iterator.error;
  }
  const table = readOwnersFromProc();
  if (failure) table.fallbackReason = failure.message;
  return table;
}

/**
 * Opens an owners scanner: the iterator kept loaded, each `read()` one iterator session. For a caller
 * that reads owners many times (a dashboard refreshing every second); pass it to `listPrograms({ owners:
 * scanner })`, which then reads owners from it and leaves its own program out. Close it when done.
 * Throws a TsbpfError when the iterator cannot load (the caller can fall back to `readOwners()`).
 */
export async function openOwnersScanner(): Promise<OwnersScanner> {
  const { OwnersScanner } = await import('./owners-iterator.js');
  return OwnersScanner.open();
}
