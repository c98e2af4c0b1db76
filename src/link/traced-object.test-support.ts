/**
 * What the link tests share about their corpus objects (corpus/loader/link_*.bpf.c): each counts only the
 * events of the process in its `target_tgid`, into global counters, and most trace getppid.
 */
import { loadObject, openObject, type BpfObject } from '../loader/index.js';

/** Loads the object at `path` with target_tgid set to this process; `programs` loads only those. */
export async function loadForThisProcess(path: string, programs?: string[]): Promise<BpfObject> {
  const spec = await openObject(path);
  spec.variables.target_tgid!.set(process.pid);
  return loadObject(spec, programs ? { programs } : {});
}

/** A global u64 counter of the object. */
export function counter(object: BpfObject, name: string): bigint {
  return object.variables[name]!.get() as bigint;
}

/** getppid(2) `count` times from this process (Node asks the kernel on every read of process.ppid). */
export function getppid(count: number): void {
  for (let i = 0; i < count; i++) void process.ppid;
}
