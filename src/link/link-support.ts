/**
 * Turning a kernel's refusal of a link type it lacks into a NotSupportedError that says why: BPF_LINK_CREATE
 * answers EINVAL for an attach type older kernels don't know (tcx before 6.6, uprobe.multi before 6.6)
 * and EOPNOTSUPP or EINVAL when the kernel was built without the machinery (kprobe.multi without CONFIG_FPROBE,
 * netkit without CONFIG_NETKIT), which the kernel's config tells apart.
 */
import { BpfError, Errno, NotSupportedError } from '../errors.js';
import { readKernelConfig } from '../loader/kconfig-file.js';

export interface LinkRequirement {
  /** What is being attached, for the message: `tcx links`. */
  feature: string;
  /** The kernel release that brought it. */
  since: string;
  /** The kernel option it needs, when one is known. */
  config?: string;
}

/** The value of kernel option `name` (undefined: not set), or null when no kernel config can be read. */
function kernelOption(name: string): string | undefined | null {
  try {
    return readKernelConfig().get(name);
  } catch {
    return null; // no config to read: the message says less
  }
}

/** Runs `create` (a BPF_LINK_CREATE); a refusal meaning "this kernel has no such link" becomes NotSupportedError. */
export function createLinkOrExplain<T>(requirement: LinkRequirement, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (!(error instanceof BpfError)) throw error;
    const errno = error.errno;
    if (errno !== Errno.EINVAL && errno !== Errno.EOPNOTSUPP && errno !== Errno.ENOTSUPP) throw error;
    const option = requirement.config ? kernelOption(requirement.config) : undefined;
    // A kernel without the option answers EOPNOTSUPP (kprobe.multi) or EINVAL (netkit's stub): either way, say so.
    const reason = requirement.config && option === undefined
      ? `the kernel was built without ${requirement.config}, which ${requirement.feature} need (with Linux ${requirement.since} or later); BPF_LINK_CREATE: ${error.code}`
      : `BPF_LINK_CREATE refused it with ${error.code}: ${requirement.feature} need Linux ${requirement.since} or later`;
    throw new NotSupportedError(requirement.feature, reason, 'use a kernel that has them, or another hook');
  }
}
