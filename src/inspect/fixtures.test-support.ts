/**
 * Kernel objects the inspect tests attach and then look at: links of each type this kernel allows,
 * a test cgroup, a veth pair, a network namespace, perf events. Each fixture removes what it made;
 * `Fixtures.close()` undoes everything in reverse order, so a failing test still leaves nothing behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BpfObject } from '../loader/bpf-object.js';
import { loadObject } from '../loader/load-object.js';
import { corpus } from '../test-support/corpus.js';
import { objectNames } from '../test-support/kernel.js';
import { abi, bpf, closeRawFd, perf } from '../sys/index.js';

export const CGROUP2_ROOT = '/sys/fs/cgroup/unified';
const TRACEFS = '/sys/kernel/tracing';

let sequence = 0;
/** A name unique to this process and call (interface names must stay under 16 bytes). */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}${process.pid % 100000}${sequence}`;
}

export class Fixtures {
  readonly #undo: (() => void)[] = [];
  /** Kernel names of every program and map loaded, for leftoverObjects. */
  readonly names: string[] = [];

  /** Registers a clean-up step; steps run last-first. */
  defer(step: () => void): void {
    this.#undo.push(step);
  }

  /** An fd closed at clean-up. */
  fd(fd: number): number {
    this.defer(() => closeRawFd(fd));
    return fd;
  }

  async object(name: string): Promise<BpfObject> {
    const objects = corpus();
    if (typeof objects === 'string') throw new Error(objects);
    const object = await loadObject(objects.path(`loader/${name}.bpf.o`));
    this.defer(() => object.close());
    this.names.push(...objectNames(object.spec));
    return object;
  }

  /** A cgroup v2 directory under the unified hierarchy, and an open fd of it. */
  cgroup(): { path: string; fd: number } {
    const path = join(CGROUP2_ROOT, uniqueName('tsbpf-test-'));
    mkdirSync(path);
    this.defer(() => rmdirSync(path));
    return { path, fd: this.fd(openSync(path, 'r')) };
  }

  /** A veth pair in this network namespace, up; returns the first end's name and ifindex. */
  veth(): { name: string; peer: string; ifindex: number } {
    const name = uniqueName('tsbv');
    const peer = `${name}p`;
    execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
    this.defer(() => { spawnSync('ip', ['link', 'del', name]); });
    execFileSync('ip', ['link', 'set', name, 'up']);
    return { name, peer, ifindex: Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')) };
  }

  /** A network namespace (ip netns) and an open fd of it. */
  netns(): { name: string; fd: number } {
    const name = uniqueName('tsbpf-ns-');
    execFileSync('ip', ['netns', 'add', name]);
    this.defer(() => { spawnSync('ip', ['netns', 'del', name]); });
    return { name, fd: this.fd(openSync(`/run/netns/${name}`, 'r')) };
  }

  /** A link by BPF_LINK_CREATE, closed at clean-up. */
  link(programFd: number, targetFd: number, attachType: number): number {
    return this.fd(bpf.linkCreate({ programFd, targetFd, attachType }));
  }

  /** A tracepoint perf event (tracefs mounted when needed), with `programFd`, if given, attached the legacy way. */
  tracepointEvent(category: string, event: string, programFd?: number): number {
    const idPath = join(TRACEFS, 'events', category, event, 'id');
    if (!existsSync(idPath)) execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
    const config = Number(readFileSync(idPath, 'utf8'));
    const fd = this.fd(perf.perfEventOpen({ type: abi.PerfType.TRACEPOINT, config, samplePeriod: 1 }, -1, 0));
    if (programFd !== undefined) perf.perfEventSetBpf(fd, programFd);
    return fd;
  }

  close(): void {
    for (const step of this.#undo.splice(0).reverse()) {
      try {
        step();
      } catch { /* keep undoing the rest */ }
    }
  }
}
