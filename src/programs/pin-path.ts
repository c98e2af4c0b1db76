/** Checks on pin paths made before the kernel sees them, for a clearer error than its EPERM. */
import { basename } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

export function validatePinPath(path: string): void {
  if (!path.startsWith('/')) {
    throw new InvalidArgumentError(`pin path ${JSON.stringify(path)} is not absolute`, 'pin under a bpffs mount such as /sys/fs/bpf');
  }
  // bpffs refuses names with a dot (it reserves them), answering EPERM, which reads like a missing capability.
  if (basename(path).includes('.')) {
    throw new InvalidArgumentError(`pin name ${JSON.stringify(basename(path))} contains a dot, which bpffs refuses`, 'use letters, digits, _ and - in pin names');
  }
}
