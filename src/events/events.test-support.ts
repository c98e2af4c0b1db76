/** Shared pieces of the event readers' tests: the producer objects, and running a producer in process. */
import { loadObject } from '../loader/index.js';
import type { BpfObject } from '../loader/bpf-object.js';
import type { BpfMap } from '../maps/map.js';
import type { Program } from '../programs/program.js';
import { abi } from '../sys/index.js';
import { corpus } from '../test-support/corpus.js';

/** The producers' args[1] (corpus/loader/events_ringbuf.bpf.c `enum produce_mode`). */
export const RingMode = { OUTPUT: 0, RESERVE: 1, DISCARD_ODD: 2, VARIABLE: 3 } as const;
/** events_perfbuf.bpf.c: args[1] 0 for 64-byte samples, 1 for 8..64 bytes. */
export const PerfMode = { FIXED: 0, VARIABLE: 1 } as const;

/** The path of a loader corpus object, or why it can't be built (for t.skip). */
export function eventsObject(name: string): { path: string } | { skip: string } {
  const built = corpus();
  if (typeof built === 'string') return { skip: built };
  return { path: built.path(`loader/${name}.bpf.o`) };
}

export async function loadEvents(name: string, maps?: Record<string, BpfMap>): Promise<BpfObject> {
  const found = eventsObject(name);
  if ('skip' in found) throw new Error(found.skip);
  return loadObject(found.path, maps ? { maps } : {});
}

/** Runs a raw_tp producer once: `count` records from `firstSeq` in `mode`, on `cpu` when given; returns its r0. */
export function produce(program: Program, count: number, mode: number, firstSeq: number, cpu?: number): number {
  const context = new Uint8Array(32);
  const view = new DataView(context.buffer);
  view.setBigUint64(0, BigInt(count), true);
  view.setBigUint64(8, BigInt(mode), true);
  view.setBigUint64(16, BigInt(firstSeq), true);
  const onCpu = cpu === undefined ? {} : { flags: abi.TestRunFlags.RUN_ON_CPU, cpu };
  return program.testRun({ context, ...onCpu }).returnValue;
}

/** The sequence number at a record's start (the producers write a u64; tests stay below 2^32). */
export function seqOf(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Disposes what it was given, last first (Node 20 has no DisposableStack). */
export class Resources implements Disposable {
  readonly #held: Disposable[] = [];
  use<T extends Disposable>(resource: T): T {
    this.#held.push(resource);
    return resource;
  }
  [Symbol.dispose](): void {
    for (const resource of this.#held.reverse()) resource[Symbol.dispose]();
  }
}
