/** mount(2), so the library can mount bpffs itself before pinning (as libbpf users otherwise do by hand). */
import koffi from 'koffi';
import { SystemError } from '../errors.js';

const libc = koffi.load('libc.so.6');
const mountFn = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');

/** Mounts `fstype` from `source` at `target`; throws SystemError on failure. */
export function mount(source: string, target: string, fstype: string, flags = 0): void {
  if (mountFn(source, target, fstype, flags, null) < 0) {
    throw new SystemError('mount', koffi.errno(), 'mounting needs root (CAP_SYS_ADMIN)', `${fstype} at ${target}`);
  }
}
