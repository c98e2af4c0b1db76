/** The syscall_config section: is there a bpf() system call at all? */
import { abi } from '../sys/index.js';
import { Errno } from '../errors.js';
import { probeLoad } from './probe-load.js';

let available: boolean | undefined;

/**
 * A load of nothing fails either way; ENOSYS means the kernel has no bpf(2), any other errno (EINVAL
 * here) means the call exists.
 */
export function haveBpfSyscall(): boolean {
  available ??= probeLoad(abi.ProgramTypeId.UNSPEC, 0).errno !== Errno.ENOSYS;
  return available;
}

