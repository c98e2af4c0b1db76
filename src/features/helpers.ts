/**
 * haveHelper: may a program of this type call this helper? The probe loads `call <id>; exit` with a
 * verifier log and reads what the verifier said about the call:
 * - "invalid func unknown#N": the kernel doesn't know the helper at all;
 * - "unknown func bpf_x#N" (kernels before 6.x) or "program of this type cannot use helper bpf_x#N"
 *   (newer kernels): it knows the helper, but not for this program type;
 * - anything else (a load, or a complaint about the arguments): the call itself was accepted.
 * bpftool 7.1 (libbpf 1.1) only knows the first two messages, so on newer kernels it lists every
 * helper the kernel knows for every program type; `bpftoolWouldList` reproduces its answer for the
 * report, `haveHelper` gives the right one.
 *
 * The scan is thousands of loads: one shared instruction buffer whose immediate is patched per helper,
 * one log buffer, no allocation per load.
 */
import { abi } from '../sys/index.js';
import { InvalidArgumentError } from '../errors.js';
import { callHelper, exit } from '../asm/index.js';
import { programTypeName, type ProgramType } from '../programs/program-types.js';
import { patchProbeImmediate, probeLoad, setProbeInstructions, type ProbeLoadOptions } from './probe-load.js';
import { programTypeLoadOptions, haveProgramType } from './program-types.js';
import { attachLoadOptions } from './attach-types.js';
import { SUPPORTED, unsupported, type FeatureResult } from './result.js';

const { ProgramTypeId: P, AttachTypeId: A, HELPER_NAMES } = abi;

/** What the verifier said about one helper call. */
export const HelperVerdict = {
  /** The program loaded. */
  Loaded: 1,
  /** Refused for its arguments or return value: the call itself is allowed. */
  CallAccepted: 2,
  /** "invalid func": the kernel doesn't know this helper. */
  UnknownHelper: 3,
  /** "unknown func": known, not for this program type (the older kernels' words). */
  NotForTypeOldMessage: 4,
  /** "program of this type cannot use helper": known, not for this program type (newer kernels). */
  NotForTypeNewMessage: 5,
} as const;
export type HelperVerdict = (typeof HelperVerdict)[keyof typeof HelperVerdict];

const NOT_PROBED = 0;

export function helperAllowed(verdict: HelperVerdict): boolean {
  return verdict === HelperVerdict.Loaded || verdict === HelperVerdict.CallAccepted;
}

/** What bpftool 7.1 concludes from the same load: it only recognizes "invalid func " and "unknown func ". */
export function bpftoolWouldList(verdict: HelperVerdict): boolean {
  return verdict !== HelperVerdict.UnknownHelper && verdict !== HelperVerdict.NotForTypeOldMessage;
}

/**
 * How a helper probe of `type` loads, or why it can't: tracing and lsm programs probe through the
 * hook that loads (tp_btf, lsm); ext and struct_ops programs need a target program or struct to
 * load at all, so their helpers can't be probed with a standalone program.
 */
function helperLoadOptions(type: number): ProbeLoadOptions | string {
  switch (type) {
    case P.TRACING: {
      const options = attachLoadOptions(P.TRACING, A.TRACE_RAW_TP);
      return typeof options === 'string' ? `tracing helpers are probed through tp_btf: ${options}` : options;
    }
    case P.LSM: {
      const options = attachLoadOptions(P.LSM, A.LSM_MAC);
      return typeof options === 'string' ? `lsm helpers: ${options}` : options;
    }
    case P.EXT: return 'ext programs load only against a target BPF program, so their helpers cannot be probed alone';
    case P.STRUCT_OPS: return 'struct_ops programs load only against a struct_ops type, so their helpers cannot be probed alone';
    default: return programTypeLoadOptions(type);
  }
}

/** Verdicts by helper id, per program type; NOT_PROBED until asked. */
const verdicts = new Map<number, Uint8Array>();

function classify(loaded: boolean, log: string): HelperVerdict {
  if (loaded) return HelperVerdict.Loaded;
  if (log.includes('invalid func ')) return HelperVerdict.UnknownHelper;
  if (log.includes('unknown func ')) return HelperVerdict.NotForTypeOldMessage;
  if (log.includes('program of this type cannot use helper')) return HelperVerdict.NotForTypeNewMessage;
  return HelperVerdict.CallAccepted;
}

/**
 * Probes helpers `ids` for program type `type` (which must load, see helperLoadOptions), caching
 * each verdict; returns the verdicts for all ids, indexed by id.
 */
export function probeHelpers(type: number, ids: readonly number[]): Uint8Array {
  let table = verdicts.get(type);
  if (!table) {
    table = new Uint8Array(HELPER_NAMES.length);
    verdicts.set(type, table);
  }
  const prepared = helperLoadOptions(type);
  if (typeof prepared === 'string') throw new InvalidArgumentError(prepared);
  const options: ProbeLoadOptions = { ...prepared, withLog: true };
  const count = setProbeInstructions([callHelper(0), exit()]);
  for (const id of ids) {
    if (table[id] !== NOT_PROBED) continue;
    patchProbeImmediate(0, id);
    const outcome = probeLoad(type, count, options);
    table[id] = classify(outcome.loaded, outcome.log);
  }
  return table;
}

/** Why helpers of `type` can't be probed here ('' when they can). */
export function helperProbeUnavailable(type: number): string {
  const prepared = helperLoadOptions(type);
  return typeof prepared === 'string' ? prepared : '';
}

/** The helper id for `helper`: an id, or a name with or without the `bpf_` prefix. */
export function helperId(helper: number | string): number {
  if (typeof helper === 'number') {
    if (Number.isInteger(helper) && helper > 0 && helper < HELPER_NAMES.length) return helper;
    throw new InvalidArgumentError(`unknown helper id ${helper}`, `helper ids run from 1 to ${HELPER_NAMES.length - 1}`);
  }
  const id = HELPER_NAMES.indexOf(helper.replace(/^bpf_/, ''));
  if (id <= 0) throw new InvalidArgumentError(`unknown helper ${JSON.stringify(helper)}`, 'name a helper as in enum bpf_func_id, e.g. "map_lookup_elem" or "bpf_map_lookup_elem"');
  return id;
}

/** The name bpftool prints for helper `id`: `bpf_` and enum bpf_func_id's name. */
export function helperDisplayName(id: number): string {
  return `bpf_${HELPER_NAMES[id]}`;
}

/** Whether a program of `programType` may call `helper` (an id or name, `bpf_` prefix optional). */
export function haveHelper(programType: ProgramType, helper: number | string): FeatureResult {
  const id = helperId(helper);
  const typeName = programTypeName(programType);
  const type = haveProgramType(programType);
  if (!type.supported) return unsupported(`${typeName} programs are not supported: ${type.reason}`);
  const blocked = helperProbeUnavailable(programType);
  if (blocked) return unsupported(`undetermined: ${blocked}`);
  const verdict = probeHelpers(programType, [id])[id] as HelperVerdict;
  switch (verdict) {
    case HelperVerdict.UnknownHelper: return unsupported(`this kernel doesn't know ${helperDisplayName(id)} (helper ${id})`);
    case HelperVerdict.NotForTypeOldMessage:
    case HelperVerdict.NotForTypeNewMessage: return unsupported(`${typeName} programs may not call ${helperDisplayName(id)}`);
    default: return SUPPORTED;
  }
}
