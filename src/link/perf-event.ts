/**
 * perf_event programs (`SEC("perf_event")`) on sampling events: one perf event per CPU (or one for a
 * process), each linked to the program; the returned links close together.
 */
import type { Program } from '../programs/program.js';
import { abi, FileDescriptor, onlineCpus, perf } from '../sys/index.js';
import type { Link } from './link.js';
import { attachPerfEvent } from './tracepoint.js';

export interface SamplingOptions {
  /** Samples per second (default 99, the profilers' habit of not beating with timers). */
  frequency?: number;
  /** The event: software cpu-clock by default; hardware events where the machine has them. */
  type?: number;
  config?: number;
  /** Sample only this process, on whatever CPU it runs (default: every CPU, every process). */
  pid?: number;
}

export function attachSampling(program: Program, options: SamplingOptions = {}): Link[] {
  const cpus = options.pid === undefined ? onlineCpus() : [-1];
  const links: Link[] = [];
  try {
    for (const cpu of cpus) {
      const fd = perf.perfEventOpen({
        type: options.type ?? abi.PerfType.SOFTWARE, config: options.config ?? abi.PerfSoftwareEvent.CPU_CLOCK,
        samplePeriod: options.frequency ?? 99, flags: abi.PerfAttrFlags.FREQ,
      }, options.pid ?? -1, cpu);
      const target = `perf_event ${cpu < 0 ? `pid ${options.pid}` : `cpu ${cpu}`}`;
      links.push(attachPerfEvent(program, new FileDescriptor(fd, target), target));
    }
    return links;
  } catch (error) {
    for (const link of links) link.close();
    throw error;
  }
}
