/**
 * Feature probes: what this kernel's BPF supports, each answer cached per process and carrying a
 * reason when the answer is no (or only partly yes). Tests use these to skip with that reason.
 */
export { haveProgramType, requireProgramType } from './program-types.js';
export { haveMapType, requireMapType } from './map-types.js';
export { haveHelper } from './helpers.js';
export { haveAttachType } from './attach-types.js';
export { haveBpfSyscall } from './syscall-config.js';
export { probeKernel, type KernelProbe, type TypeProbe, type HelperListing } from './report.js';
export type { SystemConfig } from './system-config.js';
export type { MiscFeature } from './misc.js';
export type { FeatureResult } from './result.js';
