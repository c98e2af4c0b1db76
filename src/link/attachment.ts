/**
 * Attachments without a BPF link (BPF_PROG_ATTACH): programs on a sockmap/sockhash (sk_msg, sk_skb),
 * and the legacy cgroup attach with its flags (ALLOW_MULTI, ALLOW_OVERRIDE, REPLACE). They belong to
 * the target, not to an fd: `close()` detaches explicitly, and a process that dies without closing
 * leaves them attached (the kernel keeps them while the map or cgroup lives).
 */
import { closeSync, openSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { BpfMap } from '../maps/map.js';
import type { Program } from '../programs/program.js';
import { bpf } from '../sys/index.js';

export class ProgramAttachment implements Disposable {
  readonly target: string;
  readonly #detach: () => void;
  #attached = true;

  constructor(target: string, detach: () => void) {
    this.target = target;
    this.#detach = detach;
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** Detaches the program (once; later calls do nothing). */
  close(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#detach();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** sk_msg / sk_skb verdict and parser programs on a sockmap or sockhash. */
export function attachToMap(program: Program, map: BpfMap, attachType: number): ProgramAttachment {
  const programFd = program.fd.value;
  bpf.progAttach({ targetFd: map.fd.value, programFd, attachType });
  return new ProgramAttachment(`map ${map.name}`, () => bpf.progDetach(map.fd.value, programFd, attachType));
}

/** The legacy cgroup attach (`flags`: AttachFlags.ALLOW_MULTI, ALLOW_OVERRIDE, REPLACE with `replace`). */
export function attachCgroupLegacy(program: Program, cgroupPath: string, attachType: number, options: { flags?: number; replace?: Program } = {}): ProgramAttachment {
  let cgroup: number;
  try {
    cgroup = openSync(cgroupPath, 'r');
  } catch {
    throw new InvalidArgumentError(`cannot open cgroup ${cgroupPath}`, 'give a cgroup v2 directory');
  }
  const programFd = program.fd.value;
  try {
    bpf.progAttach({ targetFd: cgroup, programFd, attachType, ...(options.flags !== undefined ? { flags: options.flags } : {}), ...(options.replace ? { replaceProgramFd: options.replace.fd.value } : {}) });
  } catch (error) {
    closeSync(cgroup);
    throw error;
  }
  return new ProgramAttachment(`cgroup ${cgroupPath}`, () => {
    try {
      bpf.progDetach(cgroup, programFd, attachType);
    } finally {
      closeSync(cgroup);
    }
  });
}
