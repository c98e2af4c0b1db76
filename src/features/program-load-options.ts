/** Load attributes some program types need whatever the probe, shared by the probe files. */
import { release } from 'node:os';
import { runningKernelVersionCode } from './probe-load.js';

let versionCode: number | undefined;

/** kern_version for kprobe loads: kernels before 5.0 refuse kprobes whose version isn't theirs. */
export function kprobeKernelVersion(): number {
  versionCode ??= runningKernelVersionCode(release());
  return versionCode;
}
