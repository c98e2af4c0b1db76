/**
 * netkit links (Linux 6.7+): a SCHED_CLS program judging the packets one end of a netkit pair transmits.
 * Both sides attach through the primary device: `primary` runs on what the primary sends (towards the
 * peer), `peer` on what the peer sends (out of its namespace). Programs return NETKIT_NEXT (-1, the next
 * program or the device's policy), NETKIT_PASS (0), NETKIT_DROP (2) or NETKIT_REDIRECT (7).
 */
import { BpfError, Errno, InvalidArgumentError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor } from '../sys/index.js';
import { interfaceIndex } from './interfaces.js';
import { createLinkOrExplain } from './link-support.js';
import { Link } from './link.js';

export type NetkitSide = 'primary' | 'peer';

/** Attaches `program` to `side` of the netkit pair whose primary is `primary` (a name or an ifindex). */
export function attachNetkit(program: Program, primary: string | number, side: NetkitSide): Link {
  const index = interfaceIndex(primary);
  const attachType = side === 'primary' ? abi.AttachTypeId.NETKIT_PRIMARY : abi.AttachTypeId.NETKIT_PEER;
  let fd: number;
  try {
    fd = createLinkOrExplain({ feature: 'netkit links', since: '6.7', config: 'CONFIG_NETKIT' }, () => bpf.linkCreate({ programFd: program.fd.value, targetFd: index, attachType, tcx: {} }));
  } catch (error) {
    throw explainRefusal(error, primary);
  }
  return new Link(new FileDescriptor(fd, `netkit ${side} link on ${primary}`), `netkit ${side} ${primary}`);
}

/** The kernel's answers about the device (netkit_dev_fetch) in words. */
function explainRefusal(error: unknown, primary: string | number): unknown {
  if (!(error instanceof BpfError)) return error;
  if (error.errno === Errno.ENXIO) {
    return new InvalidArgumentError(`${primary} is not a netkit device`, 'netkit links attach to the primary end of a netkit pair; use tcx or tc for other devices');
  }
  if (error.errno === Errno.EACCES) {
    return new InvalidArgumentError(`${primary} is the peer end of its netkit pair`, 'attach both sides through the primary device, with side `peer` for the peer\'s traffic');
  }
  return error;
}
