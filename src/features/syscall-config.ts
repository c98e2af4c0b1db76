/** The syscall_config section: is there a bpf() system call at all? */
import { abi } from '../sys/index.js';
import { BpfError, Errno } from '../errors.js';
import { exit, mov64Imm, Register } from '../asm/index.js';
import { probeLoad, setProbeInstructions } from './probe-load.js';

let available: boolean | undefined;

/**
 * A load of nothing fails either way; ENOSYS means the kernel has no bpf(2), any other errno (EINVAL
 * here) means the call exists.
 */
export function haveBpfSyscall(): boolean {
  available ??= probeLoad(abi.ProgramTypeId.UNSPEC, 0).errno !== Errno.ENOSYS;
  return available;
}


/**
 * Throws BpfError(EPERM) when this process may not load even a socket filter: every probe would then
 * say "no" for want of privilege, not for want of a feature, so a full probe refuses to run (bpftool
 * does the same).
 */
export function requireProbePrivileges(): void {
  const outcome = probeLoad(abi.ProgramTypeId.SOCKET_FILTER, setProbeInstructions([mov64Imm(Register.R0, 0), exit()]));
  if (!outcome.loaded && (outcome.errno === Errno.EPERM || outcome.errno === Errno.EACCES)) {
    throw new BpfError('PROG_LOAD', outcome.errno, '', 'feature probing needs the privileges to load programs');
  }
}
