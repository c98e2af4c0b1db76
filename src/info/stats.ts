/**
 * Run-time statistics (run_time_ns, run_cnt in program info) are counted only while someone holds a
 * BPF_ENABLE_STATS fd, because the accounting costs every program run a little. This is that fd, owned.
 */
import { abi, bpf, FdOwner, FileDescriptor } from '../sys/index.js';

export class RunTimeStats extends FdOwner {

  constructor(fd: FileDescriptor) {
    super(fd);
  }
}

/** Turns on BPF run-time statistics until the returned handle is closed. */
export function enableStats(): RunTimeStats {
  return new RunTimeStats(new FileDescriptor(bpf.enableStats(abi.StatsType.RUN_TIME), 'BPF statistics handle'));
}
