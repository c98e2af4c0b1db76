/** cgroup hooks (skb, sock, sock_addr, sockopt, sysctl, device, sockops) through a BPF link on the cgroup's directory. */
import { closeSync, openSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';

export function attachCgroup(program: Program, cgroupPath: string, attachType: number): Link {
  let cgroup: number;
  try {
    cgroup = openSync(cgroupPath, 'r');
  } catch {
    throw new InvalidArgumentError(`cannot open cgroup ${cgroupPath}`, 'give a cgroup v2 directory, e.g. /sys/fs/cgroup/unified/<name>');
  }
  try {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: cgroup, attachType });
    return new Link(new FileDescriptor(fd, `cgroup link on ${cgroupPath}`), `cgroup ${cgroupPath}`);
  } finally {
    closeSync(cgroup);
  }
}
