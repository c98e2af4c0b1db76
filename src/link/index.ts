/** Links: attaching programs to their hooks, one file per kind of hook. */
export { Link } from './link.js';
export { attachTracepoint, attachPerfEvent, tracepointId } from './tracepoint.js';
export { attachRawTracepoint } from './raw-tracepoint.js';
export { attachTracing } from './tracing.js';
export { attachIterator, IteratorLink } from './iterator.js';
export { attachXdp, attachTcx, attachNetns, attachNetfilter, XdpFlags } from './network.js';
export { attachCgroup } from './cgroup.js';
export { attachAll, autoAttach } from './attach-all.js';
export { interfaceIndex } from './interfaces.js';
export { attachKprobe, attachUprobe, type KprobeOptions, type UprobeOptions } from './probes.js';
export { attachSampling, type SamplingOptions } from './perf-event.js';
export { probePmu } from './probe-pmu.js';
export { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';
export { attachToMap, attachCgroupLegacy, ProgramAttachment } from './attachment.js';
export { attachSocketFilter } from './socket-filter.js';
export { attachKprobeMulti, attachUprobeMulti, type KprobeMultiOptions, type UprobeMultiOptions } from './multi-probes.js';
