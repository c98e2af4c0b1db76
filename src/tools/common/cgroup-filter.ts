/**
 * `-c CGROUP`, as libbpf-tools takes it: the cgroup v2 directory's fd goes into slot 0 of the object's
 * one-slot cgroup array (`cgroup_map`), and the BPF side keeps only tasks under it
 * (bpf_current_task_under_cgroup). The map holds its own reference, so the fd closes at once.
 */
import { closeSync, openSync } from 'node:fs';
import { InvalidArgumentError, type BpfMap } from '../../index.js';

export function filterCgroup(map: BpfMap, path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new InvalidArgumentError(`Failed opening Cgroup path: ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'give a cgroup v2 directory, e.g. /sys/fs/cgroup/unified/NAME');
  }
  try {
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, fd, true);
    map.update(new Uint8Array(4), value);
  } catch (error) {
    throw new InvalidArgumentError(`Failed opening Cgroup path: ${path} (not a cgroup v2 directory: ${(error as Error).message})`, 'give a cgroup v2 directory, e.g. /sys/fs/cgroup/unified/NAME');
  } finally {
    closeSync(fd);
  }
}
