/**
 * A program on a perf event without a BPF link: PERF_EVENT_IOC_SET_BPF then PERF_EVENT_IOC_ENABLE, the
 * only way before Linux 5.15 (no BPF_LINK_CREATE for perf events). The attachment lives as long as the
 * perf event's fd, so it can't be pinned, updated or looked up by id, and it carries no BPF cookie.
 */
import { NotSupportedError } from '../errors.js';
import type { LinkInfo } from '../info/link-info.js';
import type { Program } from '../programs/program.js';
import { type FileDescriptor, perf } from '../sys/index.js';
import { Link } from './link.js';

const WHY = 'the program hangs on the perf event itself (PERF_EVENT_IOC_SET_BPF, kernels before 5.15 have no perf event links)';

export class PerfEventAttachment extends Link {
  /** Takes ownership of `perfFd` and attaches `program` to it. */
  constructor(program: Program, perfFd: FileDescriptor, target: string) {
    try {
      perf.perfEventSetBpf(perfFd.value, program.fd.value);
      perf.perfEventEnable(perfFd.value);
    } catch (error) {
      perfFd.close();
      throw error;
    }
    super(perfFd, target);
  }

  override get id(): number {
    throw new NotSupportedError(`a link id for ${this.target}`, WHY, 'close() detaches it');
  }

  override info(): LinkInfo {
    throw new NotSupportedError(`link info for ${this.target}`, WHY, 'close() detaches it');
  }

  override pin(_path: string): void {
    throw new NotSupportedError(`pinning ${this.target}`, WHY, 'keep the process (and the object) alive instead');
  }

  override update(_program: Program, _expected?: Program): void {
    throw new NotSupportedError(`updating the program on ${this.target}`, WHY, 'close it and attach the new program');
  }

  /**
   * The program leaves the event only when the event is freed (disabling a tracepoint event leaves the
   * program running), so detaching closes it.
   */
  override detach(): void {
    this.close();
  }
}
