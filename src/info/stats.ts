/**
 * Run-time statistics (run_time_ns, run_cnt in program info) are counted only while someone holds a
 * BPF_ENABLE_STATS fd, because the accounting costs every program run a little. This is that fd, owned.
 */
import { abi, bpf, FileDescriptor } from '../sys/index.js';

export class RunTimeStats implements Disposable {
  readonly fd: FileDescriptor;

  constructor(fd: FileDescriptor) {
    this.fd = fd;
  }

  get closed(): boolean {
    return this.fd.closed;
  }

  /** Stops counting (unless another holder keeps statistics on). */
  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Turns on BPF run-time statistics until the returned handle is closed. */
export function enableStats(): RunTimeStats {
  return new RunTimeStats(new FileDescriptor(bpf.enableStats(abi.StatsType.RUN_TIME), 'BPF statistics handle'));
}
