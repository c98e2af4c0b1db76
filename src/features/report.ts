/**
 * probeKernel: everything `feature probe kernel` prints, as data. bpftool 7.1 is the reference for
 * the sections it has — its lists of program types, map types and helpers end where libbpf 1.1's
 * knowledge ends, so the bpftool-shaped lists end there too — and anything newer (netfilter programs,
 * cgrp_storage and arena maps, later helpers), every reason, and the helpers the kernel really allows
 * go in tsbpf's own notes.
 */
import { abi } from '../sys/index.js';
import { programTypeName, ALL_PROGRAM_TYPES, type ProgramType } from '../programs/program-types.js';
import { mapTypeName, ALL_MAP_TYPES, type MapType } from '../maps/map-types.js';
import { probeSystemConfig, type SystemConfig } from './system-config.js';
import { haveBpfSyscall, requireProbePrivileges } from './syscall-config.js';
import { haveProgramType } from './program-types.js';
import { haveMapType } from './map-types.js';
import { bpftoolWouldList, helperAllowed, helperDisplayName, helperProbeUnavailable, probeHelpers, type HelperVerdict } from './helpers.js';
import { probeMiscFeatures, type MiscFeature } from './misc.js';

const { ProgramTypeId: P, MapTypeId: M, HELPER_NAMES } = abi;

/** Where bpftool 7.1's lists (libbpf 1.1's names) end. */
const BPFTOOL_LAST_PROGRAM_TYPE: number = P.SYSCALL;
const BPFTOOL_LAST_MAP_TYPE: number = M.USER_RINGBUF;
const BPFTOOL_LAST_HELPER = HELPER_NAMES.indexOf('user_ringbuf_drain');
/** Helpers bpftool leaves out unless asked for `full`: calling them in a probe writes to the kernel log. */
const KERNEL_LOG_HELPERS = new Set(['trace_printk', 'trace_vprintk', 'probe_write_user']);
/** libbpf can't probe helpers of these types with a plain load (it answers EOPNOTSUPP), so bpftool lists none. */
const BPFTOOL_UNPROBED_HELPER_TYPES = new Set<number>([P.TRACING, P.EXT, P.LSM, P.STRUCT_OPS]);

export interface TypeProbe<T> {
  type: T;
  /** libbpf's name. */
  name: string;
  supported: boolean;
  /** Why not, or what is partial; '' when fully supported. */
  reason: string;
}

export interface HelperListing {
  programType: ProgramType;
  name: string;
  typeSupported: boolean;
  /** The helpers bpftool 7.1 lists for this type on this kernel, by bpftool's rules. */
  bpftoolHelpers: string[];
  /** The helpers the verifier really lets this type call (null when they can't be probed). */
  allowedHelpers: string[] | null;
  /** Why this type's helpers can't be probed ('' when they can). */
  undetermined: string;
}

export interface KernelProbe {
  systemConfig: SystemConfig;
  bpfSyscall: boolean;
  /** bpftool's program types, in its order. */
  programTypes: TypeProbe<ProgramType>[];
  mapTypes: TypeProbe<MapType>[];
  helpers: HelperListing[];
  misc: MiscFeature[];
  /** Types this kernel and tsbpf know that bpftool 7.1 doesn't. */
  newerProgramTypes: TypeProbe<ProgramType>[];
  newerMapTypes: TypeProbe<MapType>[];
  /** Probe time in milliseconds (the first call; later calls are cached). */
  durationMs: number;
}

function programTypeProbe(type: ProgramType): TypeProbe<ProgramType> {
  return { type, name: programTypeName(type), ...haveProgramType(type) };
}

function mapTypeProbe(type: MapType): TypeProbe<MapType> {
  return { type, name: mapTypeName(type), ...haveMapType(type) };
}

function helperListing(type: ProgramType, supported: boolean, bpftoolIds: readonly number[], allIds: readonly number[]): HelperListing {
  const name = programTypeName(type);
  const listing: HelperListing = { programType: type, name, typeSupported: supported, bpftoolHelpers: [], allowedHelpers: null, undetermined: '' };
  if (!supported) return listing;
  listing.undetermined = helperProbeUnavailable(type);
  if (listing.undetermined) return listing;
  const verdicts = probeHelpers(type, allIds);
  listing.allowedHelpers = allIds.filter((id) => helperAllowed(verdicts[id] as HelperVerdict)).map(helperDisplayName);
  if (!BPFTOOL_UNPROBED_HELPER_TYPES.has(type)) {
    listing.bpftoolHelpers = bpftoolIds.filter((id) => bpftoolWouldList(verdicts[id] as HelperVerdict)).map(helperDisplayName);
  }
  return listing;
}

let report: KernelProbe | undefined;

/**
 * Probes everything bpftool's `feature probe kernel` does, and more; cached after the first call.
 * Throws BpfError(EPERM) without the privileges to load programs, where every answer would be "no".
 */
export function probeKernel(): KernelProbe {
  if (report) return report;
  const started = performance.now();
  const systemConfig = probeSystemConfig();
  const bpfSyscall = haveBpfSyscall();
  if (bpfSyscall) requireProbePrivileges();
  const bpftoolProgramTypes = ALL_PROGRAM_TYPES.filter((type) => type <= BPFTOOL_LAST_PROGRAM_TYPE);
  const newerProgramTypes = ALL_PROGRAM_TYPES.filter((type) => type > BPFTOOL_LAST_PROGRAM_TYPE);
  const bpftoolMapTypes = ALL_MAP_TYPES.filter((type) => type <= BPFTOOL_LAST_MAP_TYPE);
  const newerMapTypes = ALL_MAP_TYPES.filter((type) => type > BPFTOOL_LAST_MAP_TYPE);
  const helperIds = HELPER_NAMES.map((_, id) => id).filter((id) => id > 0 && !KERNEL_LOG_HELPERS.has(HELPER_NAMES[id]!));
  const bpftoolHelperIds = helperIds.filter((id) => id <= BPFTOOL_LAST_HELPER);

  const programTypes = bpfSyscall ? bpftoolProgramTypes.map(programTypeProbe) : [];
  report = {
    systemConfig,
    bpfSyscall,
    programTypes,
    mapTypes: bpfSyscall ? bpftoolMapTypes.map(mapTypeProbe) : [],
    helpers: programTypes.map((probe) => helperListing(probe.type, probe.supported, bpftoolHelperIds, helperIds)),
    misc: bpfSyscall ? probeMiscFeatures() : [],
    newerProgramTypes: bpfSyscall ? newerProgramTypes.map(programTypeProbe) : [],
    newerMapTypes: bpfSyscall ? newerMapTypes.map(mapTypeProbe) : [],
    durationMs: 0,
  };
  report.durationMs = performance.now() - started;
  return report;
}

export interface KernelProbeNotes {
  /** Program types missing or partial, with why ([name, reason], bpftool's order, newer types last). */
  programTypes: [string, string][];
  mapTypes: [string, string][];
  /** Program types whose helper list needs a word: undetermined, or bpftool's list isn't what the kernel allows. */
  helpers: [string, string][];
}

const NEW_REFUSAL_MESSAGE = 'program of this type cannot use helper';

/** The reasons tsbpf adds to bpftool's output, worded once for the JSON and the text. */
export function kernelProbeNotes(probe: KernelProbe): KernelProbeNotes {
  const explained = <T>(probes: TypeProbe<T>[]): [string, string][] => probes.filter((p) => p.reason !== '').map((p) => [p.name, p.reason]);
  const helpers: [string, string][] = [];
  for (const listing of probe.helpers) {
    if (!listing.typeSupported) continue;
    if (listing.undetermined) {
      helpers.push([listing.name, `undetermined: ${listing.undetermined}`]);
      continue;
    }
    const allowed = listing.allowedHelpers ?? [];
    if (BPFTOOL_UNPROBED_HELPER_TYPES.has(listing.programType)) {
      helpers.push([listing.name, `bpftool 7.1 lists none (libbpf cannot probe ${listing.name} helpers); tsbpf probed them through ${listing.programType === P.TRACING ? 'tp_btf' : 'lsm'}: ${allowed.length} allowed, see allowed_helpers`]);
      continue;
    }
    const allowedSet = new Set(allowed);
    const refused = listing.bpftoolHelpers.filter((name) => !allowedSet.has(name)).length;
    if (refused > 0) {
      helpers.push([listing.name, `the verifier allows ${listing.bpftoolHelpers.length - refused} of the ${listing.bpftoolHelpers.length} listed; it refuses the other ${refused} for this program type ("${NEW_REFUSAL_MESSAGE}"), which bpftool 7.1 counts as available; see allowed_helpers`]);
    }
  }
  return {
    programTypes: explained([...probe.programTypes, ...probe.newerProgramTypes]),
    mapTypes: explained([...probe.mapTypes, ...probe.newerMapTypes]),
    helpers,
  };
}
