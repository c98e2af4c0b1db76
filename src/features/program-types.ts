/**
 * haveProgramType: does the kernel load a trivial program (`r0 = 0; exit`) of this type? The load
 * attributes each type needs are libbpf's (expected attach types, kern_version, sleepable syscall
 * programs). Three types can't be judged by a plain load and get their own probes:
 * - struct_ops: a program without a struct_ops target is refused with ENOTSUPP by kernels that know
 *   the type, EINVAL by those that don't (libbpf's rule);
 * - tracing: one type behind five hooks. libbpf (and so bpftool) tries only fentry; on kernels that
 *   refuse BPF trampolines that says "no" although tp_btf and iterator programs, also `tracing`, load
 *   and run. tsbpf loads each hook against a real vmlinux BTF target and calls the type supported when
 *   any loads, naming the ones that don't;
 * - ext: needs a BPF program to replace; libbpf's probe (attach_btf_id 1, no target) expects EINVAL
 *   "Cannot replace kernel functions" from a kernel that has the type.
 */
import { abi } from '../sys/index.js';
import { Errno, errnoName } from '../errors.js';
import { mov64Imm, exit, Register } from '../asm/index.js';
import { programTypeName, type ProgramType } from '../programs/program-types.js';
import { describeRefusal, probeLoad, setProbeInstructions, type ProbeLoadOptions, type ProbeLoadOutcome } from './probe-load.js';
import { ProbeCache, requireFeature, SUPPORTED, unsupported, type FeatureResult } from './result.js';
import { hookName, loadForAttachType } from './attach-types.js';
import { kprobeKernelVersion } from './program-load-options.js';
import { kernelConfigValue } from './system-config.js';

const { ProgramTypeId: P, AttachTypeId: A } = abi;

/** Attributes a plain load of `type` needs (libbpf's probe_prog_load choices). */
export function programTypeLoadOptions(type: number): ProbeLoadOptions {
  switch (type) {
    case P.CGROUP_SOCK_ADDR: return { expectedAttachType: A.CGROUP_INET4_CONNECT };
    case P.CGROUP_SOCKOPT: return { expectedAttachType: A.CGROUP_GETSOCKOPT };
    case P.SK_LOOKUP: return { expectedAttachType: A.SK_LOOKUP };
    case P.LIRC_MODE2: return { expectedAttachType: A.LIRC_MODE2 };
    case P.NETFILTER: return { expectedAttachType: A.NETFILTER };
    case P.KPROBE: return { kernelVersion: kprobeKernelVersion() };
    case P.SYSCALL: return { flags: abi.ProgramFlags.SLEEPABLE };
    default: return {};
  }
}

/** The kernel option a program type is built under, named when a load says the type is unknown. */
const BUILT_UNDER: Partial<Record<number, string>> = {
  [P.LIRC_MODE2]: 'CONFIG_BPF_LIRC_MODE2',
  [P.LWT_IN]: 'CONFIG_LWTUNNEL_BPF', [P.LWT_OUT]: 'CONFIG_LWTUNNEL_BPF', [P.LWT_XMIT]: 'CONFIG_LWTUNNEL_BPF',
  [P.LWT_SEG6LOCAL]: 'CONFIG_IPV6_SEG6_BPF',
  [P.KPROBE]: 'CONFIG_BPF_EVENTS', [P.TRACEPOINT]: 'CONFIG_BPF_EVENTS', [P.PERF_EVENT]: 'CONFIG_BPF_EVENTS',
  [P.RAW_TRACEPOINT]: 'CONFIG_BPF_EVENTS', [P.RAW_TRACEPOINT_WRITABLE]: 'CONFIG_BPF_EVENTS',
  [P.CGROUP_SKB]: 'CONFIG_CGROUP_BPF', [P.CGROUP_SOCK]: 'CONFIG_CGROUP_BPF', [P.CGROUP_DEVICE]: 'CONFIG_CGROUP_BPF',
  [P.CGROUP_SOCK_ADDR]: 'CONFIG_CGROUP_BPF', [P.CGROUP_SYSCTL]: 'CONFIG_CGROUP_BPF', [P.CGROUP_SOCKOPT]: 'CONFIG_CGROUP_BPF',
  [P.LSM]: 'CONFIG_BPF_LSM',
};

function trivialLoad(type: number, withLog: boolean): ProbeLoadOutcome {
  const count = setProbeInstructions([mov64Imm(Register.R0, 0), exit()]);
  return probeLoad(type, count, { ...programTypeLoadOptions(type), withLog });
}

function refusalReason(type: number, outcome: ProbeLoadOutcome): string {
  const name = programTypeName(type);
  if (outcome.errno === Errno.EINVAL && outcome.log.trim() === '') {
    const option = BUILT_UNDER[type];
    const value = option ? kernelConfigValue(option) : undefined;
    const config = option && value === null ? ` (${option} is not set)` : '';
    return `${name} is not built into this kernel: the load fails with EINVAL before verification${config}`;
  }
  return `${name} programs refused: ${describeRefusal(outcome)}`;
}

function probePlain(type: number): FeatureResult {
  if (trivialLoad(type, false).loaded) return SUPPORTED;
  const outcome = trivialLoad(type, true);
  return outcome.loaded ? SUPPORTED : unsupported(refusalReason(type, outcome));
}

function probeStructOps(): FeatureResult {
  const outcome = trivialLoad(P.STRUCT_OPS, true);
  if (!outcome.loaded && outcome.errno === Errno.ENOTSUPP) return SUPPORTED;
  return unsupported(`struct_ops: a program without a struct_ops target gave ${outcome.loaded ? 'a successful load' : describeRefusal(outcome)}, not ENOTSUPP`);
}

/** The hooks of BPF_PROG_TYPE_TRACING, in the order reasons name them. */
const TRACING_HOOKS = [A.TRACE_RAW_TP, A.TRACE_ITER, A.TRACE_FENTRY, A.TRACE_FEXIT, A.MODIFY_RETURN] as const;

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function probeTracing(): FeatureResult {
  const loaded: string[] = [];
  const refused: string[] = [];
  const why = new Set<string>();
  for (const hook of TRACING_HOOKS) {
    const { outcome, skipped } = loadForAttachType(P.TRACING, hook);
    if (outcome.loaded) loaded.push(hookName(hook));
    else {
      refused.push(hookName(hook));
      why.add(skipped || (outcome.log.trim() === '' ? errnoName(outcome.errno) : describeRefusal(outcome)));
    }
  }
  if (refused.length === 0) return SUPPORTED;
  const refusal = `${refused.join('/')} refused (${[...why].join('; ')})`;
  if (loaded.length === 0) return unsupported(refusal);
  return { supported: true, reason: `${listWords(loaded)} load; ${refusal}` };
}

function probeLsm(): FeatureResult {
  const { outcome, skipped } = loadForAttachType(P.LSM, A.LSM_MAC);
  if (outcome.loaded) return SUPPORTED;
  if (skipped) return unsupported(`lsm: ${skipped}`);
  if (outcome.errno === Errno.EINVAL && outcome.log.trim() === '') return unsupported(refusalReason(P.LSM, outcome));
  return unsupported(`lsm programs refused: ${describeRefusal(outcome)} (tried lsm/bpf_lsm_file_open)`);
}

const EXT_EXPECTED_LOG = 'Cannot replace kernel functions';

function probeExtension(): FeatureResult {
  const count = setProbeInstructions([mov64Imm(Register.R0, 0), exit()]);
  const outcome = probeLoad(P.EXT, count, { attachBtfId: 1, withLog: true });
  if (!outcome.loaded && outcome.errno === Errno.EINVAL && outcome.log.includes(EXT_EXPECTED_LOG)) return SUPPORTED;
  return unsupported(`ext (freplace) programs refused: ${describeRefusal(outcome)}; a kernel with ext answers EINVAL "${EXT_EXPECTED_LOG}" to this probe`);
}

const cache = new ProbeCache<number, FeatureResult>((type) => {
  switch (type) {
    case P.STRUCT_OPS: return probeStructOps();
    case P.TRACING: return probeTracing();
    case P.LSM: return probeLsm();
    case P.EXT: return probeExtension();
    default: return probePlain(type);
  }
});

/** Whether the kernel loads programs of `type`; partial support (tracing) is supported with a reason. */
export function haveProgramType(type: ProgramType): FeatureResult {
  return cache.get(type);
}

/** Throws NotSupportedError when the kernel lacks program type `type`. */
export function requireProgramType(type: ProgramType): void {
  requireFeature(`${programTypeName(type)} programs`, haveProgramType(type));
}
