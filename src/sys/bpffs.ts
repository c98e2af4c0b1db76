/** bpffs: pinning needs a mounted bpf filesystem, which tsbpf mounts itself when it is missing. */
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { mount } from './mount.js';

export const DEFAULT_BPFFS = '/sys/fs/bpf';

/** True when a bpf filesystem is mounted exactly at `path`. */
export function isBpffsMounted(path = DEFAULT_BPFFS): boolean {
  // /proc/self/mounts: "source target fstype options 0 0"
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => {
    const fields = line.split(' ');
    return fields[1] === path && fields[2] === 'bpf';
  });
}

/** Mounts bpffs at `path` (default /sys/fs/bpf) unless one is there already. */
export function ensureBpffs(path = DEFAULT_BPFFS): void {
  if (isBpffsMounted(path)) return;
  mkdirSync(path, { recursive: true });
  mount('bpf', path, 'bpf');
}

/** The bpffs mount a pin path belongs under: /sys/fs/bpf for paths inside it, else none to mount. */
export function ensureBpffsFor(pinPath: string): void {
  if (pinPath === DEFAULT_BPFFS || pinPath.startsWith(`${DEFAULT_BPFFS}/`)) {
    ensureBpffs();
    mkdirSync(dirname(pinPath), { recursive: true });
  }
}

/** Removes a pin; the object lives on while anything else holds it. */
export function unpin(path: string): void {
  unlinkSync(path);
}
