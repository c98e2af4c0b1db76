/**
 * kprobe.multi and uprobe.multi: one link for many functions (fprobe- and uprobe-based), each with
 * its own cookie. Programs must come from `kprobe.multi`/`uprobe.multi` sections (their expected
 * attach type is the multi one).
 */
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';
import { createLinkOrExplain } from './link-support.js';
import { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';

/** BPF_F_KPROBE_MULTI_RETURN and BPF_F_UPROBE_MULTI_RETURN (include/uapi/linux/bpf.h). */
const MULTI_RETURN = 1;

export interface KprobeMultiOptions {
  /** Kernel functions by name (or `addresses`). */
  functions?: readonly string[];
  addresses?: readonly bigint[];
  cookies?: readonly bigint[];
  returnProbe?: boolean;
}

export function attachKprobeMulti(program: Program, options: KprobeMultiOptions): Link {
  const fd = createLinkOrExplain({ feature: 'kprobe.multi links', since: '5.18', config: 'CONFIG_FPROBE' }, () => bpf.linkCreate({
    programFd: program.fd.value, targetFd: 0, attachType: abi.AttachTypeId.TRACE_KPROBE_MULTI,
    kprobeMulti: {
      ...(options.functions ? { symbols: options.functions } : {}), ...(options.addresses ? { addresses: options.addresses } : {}),
      ...(options.cookies ? { cookies: options.cookies } : {}), flags: options.returnProbe ? MULTI_RETURN : 0,
    },
  }));
  const what = options.functions?.join(',') ?? `${options.addresses?.length ?? 0} addresses`;
  return new Link(new FileDescriptor(fd, `kprobe.multi ${what}`), `kprobe.multi ${what}`);
}

export interface UprobeMultiOptions {
  /** Functions of the binary by name (or file `offsets`). */
  functions?: readonly string[];
  offsets?: readonly number[];
  cookies?: readonly bigint[];
  returnProbe?: boolean;
  /** Only this process. */
  pid?: number;
}

export function attachUprobeMulti(program: Program, binary: string, options: UprobeMultiOptions): Link {
  const path = resolveBinaryPath(binary, options.pid);
  const offsets = options.offsets ?? (options.functions ?? []).map((name) => functionFileOffset(path, name));
  const fd = createLinkOrExplain({ feature: 'uprobe.multi links', since: '6.6' }, () => bpf.linkCreate({
    programFd: program.fd.value, targetFd: 0, attachType: abi.AttachTypeId.TRACE_UPROBE_MULTI,
    uprobeMulti: {
      path, offsets, ...(options.cookies ? { cookies: options.cookies } : {}),
      flags: options.returnProbe ? MULTI_RETURN : 0, ...(options.pid !== undefined ? { pid: options.pid } : {}),
    },
  }));
  const what = `${path}:${options.functions?.join(',') ?? offsets.join(',')}`;
  return new Link(new FileDescriptor(fd, `uprobe.multi ${what}`), `uprobe.multi ${what}`);
}
