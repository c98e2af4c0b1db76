/**
 * haveAttachType: does a program of this type load with this expected_attach_type? For the BTF-typed
 * hooks (tp_btf, fentry/fexit/fmod_ret, iter, lsm) the kernel also wants attach_btf_id, the vmlinux
 * BTF id of a real target, so the probe names one the kernel always has: the test functions in
 * net/bpf/test_run.c exist for exactly this kind of use, `bpf_iter_task` backs every task iterator,
 * and `bpf_lsm_file_open` is an LSM hook. A refusal carries the errno and the verifier's last line.
 */
import { abi } from '../sys/index.js';
import { mov64Imm, exit, Register } from '../asm/index.js';
import { attachTypeName, type AttachType } from '../programs/attach-types.js';
import { programTypeName, type ProgramType } from '../programs/program-types.js';
import { describeRefusal, probeLoad, setProbeInstructions, type ProbeLoadOptions, type ProbeLoadOutcome } from './probe-load.js';
import { ProbeCache, SUPPORTED, unsupported, type FeatureResult } from './result.js';
import { BtfKind, findBtfTypeIds, vmlinuxBtf, VMLINUX_BTF_PATH, type BtfQuery } from './vmlinux-btf.js';
import { kprobeKernelVersion } from './program-load-options.js';

const { AttachTypeId, ProgramTypeId } = abi;

/** The vmlinux BTF target each BTF-typed attach type loads against. */
const BTF_TARGETS: Partial<Record<number, BtfQuery>> = {
  [AttachTypeId.TRACE_RAW_TP]: { name: 'btf_trace_sched_switch', kind: BtfKind.TYPEDEF },
  [AttachTypeId.TRACE_FENTRY]: { name: 'bpf_fentry_test1', kind: BtfKind.FUNC },
  [AttachTypeId.TRACE_FEXIT]: { name: 'bpf_fentry_test1', kind: BtfKind.FUNC },
  [AttachTypeId.MODIFY_RETURN]: { name: 'bpf_modify_return_test', kind: BtfKind.FUNC },
  [AttachTypeId.TRACE_ITER]: { name: 'bpf_iter_task', kind: BtfKind.FUNC },
  [AttachTypeId.LSM_MAC]: { name: 'bpf_lsm_file_open', kind: BtfKind.FUNC },
  [AttachTypeId.LSM_CGROUP]: { name: 'bpf_lsm_file_open', kind: BtfKind.FUNC },
};

let targetIds: Map<number, number> | undefined;

/** attach_btf_id for every BTF-typed attach type, from one scan of vmlinux BTF (0 where absent). */
function btfTargetIds(): Map<number, number> {
  if (!targetIds) {
    targetIds = new Map();
    const blob = vmlinuxBtf();
    const entries = Object.entries(BTF_TARGETS) as [string, BtfQuery][];
    const ids = blob ? findBtfTypeIds(blob, entries.map(([, query]) => query)) : entries.map(() => 0);
    entries.forEach(([attachType, _query], i) => targetIds!.set(Number(attachType), ids[i]!));
  }
  return targetIds;
}

/** The libbpf section-name prefix users know each BTF-typed hook by, for readable reasons. */
export function hookName(attachType: number): string {
  switch (attachType) {
    case AttachTypeId.TRACE_RAW_TP: return 'tp_btf';
    case AttachTypeId.TRACE_FENTRY: return 'fentry';
    case AttachTypeId.TRACE_FEXIT: return 'fexit';
    case AttachTypeId.MODIFY_RETURN: return 'fmod_ret';
    case AttachTypeId.TRACE_ITER: return 'iter';
    case AttachTypeId.LSM_MAC: return 'lsm';
    case AttachTypeId.LSM_CGROUP: return 'lsm_cgroup';
    default: return attachTypeName(attachType);
  }
}

export interface AttachLoadProbe {
  outcome: ProbeLoadOutcome;
  /** Why the probe couldn't even try (no BTF target), else ''. */
  skipped: string;
}

/**
 * The load options a program of `programType` needs to load with `attachType`: the expected attach
 * type, the BTF target where the hook has one, and the type's own needs. A string says why there is
 * no way to load it here (no BTF target).
 */
export function attachLoadOptions(programType: number, attachType: number): ProbeLoadOptions | string {
  const options: ProbeLoadOptions = { expectedAttachType: attachType };
  const target = BTF_TARGETS[attachType];
  if (target && (programType === ProgramTypeId.TRACING || programType === ProgramTypeId.LSM)) {
    const id = btfTargetIds().get(attachType) ?? 0;
    if (id === 0) return `no attach target: ${vmlinuxBtf() ? `${target.name} is not in ${VMLINUX_BTF_PATH}` : `${VMLINUX_BTF_PATH} is missing`}`;
    options.attachBtfId = id;
  }
  if (programType === ProgramTypeId.KPROBE) options.kernelVersion = kprobeKernelVersion();
  if (programType === ProgramTypeId.SYSCALL) options.flags = abi.ProgramFlags.SLEEPABLE;
  return options;
}

/** Loads `r0 = 0; exit` as `programType` with `attachType`; r0 = 1 is retried if 0 is out of the hook's return range. */
export function loadForAttachType(programType: number, attachType: number): AttachLoadProbe {
  const prepared = attachLoadOptions(programType, attachType);
  if (typeof prepared === 'string') return { outcome: { loaded: false, errno: 0, log: '' }, skipped: prepared };
  const options: ProbeLoadOptions = { ...prepared, withLog: true };
  let outcome = probeLoad(programType, setProbeInstructions([mov64Imm(Register.R0, 0), exit()]), options);
  if (!outcome.loaded && /At program exit the register R0/.test(outcome.log)) {
    outcome = probeLoad(programType, setProbeInstructions([mov64Imm(Register.R0, 1), exit()]), options);
  }
  return { outcome, skipped: '' };
}

const cache = new ProbeCache<string, FeatureResult>((key) => {
  const [programType, attachType] = key.split(':').map(Number) as [number, number];
  const { outcome, skipped } = loadForAttachType(programType, attachType);
  if (outcome.loaded) return SUPPORTED;
  const what = `${programTypeName(programType)} programs with attach type ${attachTypeName(attachType)}`;
  if (skipped) return unsupported(`${what}: ${skipped}`);
  return unsupported(`${what} refused: ${describeRefusal(outcome)}`);
});

/** Whether a program of `programType` loads with expected attach type `attachType` (and a BTF target where needed). */
export function haveAttachType(programType: ProgramType, attachType: AttachType): FeatureResult {
  return cache.get(`${programType}:${attachType}`);
}
