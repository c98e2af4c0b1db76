/** mount(2), so the library can mount bpffs and tracefs itself (libbpf users otherwise do it by hand). */
import { SystemError } from '../errors.js';
import { lastErrno, mount as rawMount } from './ffi.js';

/** Mounts `fstype` from `source` at `target`; throws SystemError on failure. */
export function mount(source: string, target: string, fstype: string, flags = 0): void {
  if (rawMount(source, target, fstype, flags) < 0) {
    throw new SystemError('mount', lastErrno(), 'mounting needs root (CAP_SYS_ADMIN)', `${fstype} at ${target}`);
  }
}
