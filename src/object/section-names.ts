/**
 * libbpf's section-name conventions: a program's ELF section (its `SEC("...")`) decides its program
 * type, expected attach type and how auto-attach finds its target. The table follows libbpf's order,
 * because the first match wins (shared/reference/libbpf-sections.md lists the facts). Pure: no kernel.
 */
import { AttachTypeId as A, ProgramTypeId as P } from '../sys/abi.js';

export interface SectionFlags {
  /** The expected attach type is required at load (libbpf's SEC_ATTACHABLE). */
  attachable?: boolean;
  /** The expected attach type may be dropped on kernels that lack it (SEC_ATTACHABLE_OPT). */
  attachableOptional?: boolean;
  /** The target is a BTF id found by name before load (SEC_ATTACH_BTF). */
  attachBtf?: boolean;
  /** The `.s` variant: BPF_F_SLEEPABLE. */
  sleepable?: boolean;
  /** `xdp.frags`: BPF_F_XDP_HAS_FRAGS. */
  xdpFrags?: boolean;
  /** USDT: attached through uprobes at the probe sites of stapsdt notes. */
  usdt?: boolean;
}

export interface SectionDefinition {
  /** `name+` matches `name` and `name/...`; `name/` requires the slash; anything else matches exactly. */
  pattern: string;
  programType: number;
  expectedAttachType: number;
  flags: SectionFlags;
}

const sleepable = { sleepable: true } as const;

function def(pattern: string, programType: number, expectedAttachType = 0, flags: SectionFlags = {}): SectionDefinition {
  return { pattern, programType, expectedAttachType, flags };
}

/** Patterns with a sleepable `.s` twin (`tracepoint+` and `tracepoint.s+`). */
function withSleepable(pattern: string, programType: number, expectedAttachType = 0, flags: SectionFlags = {}): SectionDefinition[] {
  const base = pattern.replace(/\+$/, '');
  return [def(pattern, programType, expectedAttachType, flags), def(`${base}.s+`, programType, expectedAttachType, { ...flags, ...sleepable })];
}

const CGROUP_SOCK_ADDR: [string, number][] = [
  ['bind4', A.CGROUP_INET4_BIND], ['bind6', A.CGROUP_INET6_BIND], ['connect4', A.CGROUP_INET4_CONNECT],
  ['connect6', A.CGROUP_INET6_CONNECT], ['connect_unix', A.CGROUP_UNIX_CONNECT], ['sendmsg4', A.CGROUP_UDP4_SENDMSG],
  ['sendmsg6', A.CGROUP_UDP6_SENDMSG], ['sendmsg_unix', A.CGROUP_UNIX_SENDMSG], ['recvmsg4', A.CGROUP_UDP4_RECVMSG],
  ['recvmsg6', A.CGROUP_UDP6_RECVMSG], ['recvmsg_unix', A.CGROUP_UNIX_RECVMSG], ['getpeername4', A.CGROUP_INET4_GETPEERNAME],
  ['getpeername6', A.CGROUP_INET6_GETPEERNAME], ['getpeername_unix', A.CGROUP_UNIX_GETPEERNAME],
  ['getsockname4', A.CGROUP_INET4_GETSOCKNAME], ['getsockname6', A.CGROUP_INET6_GETSOCKNAME],
  ['getsockname_unix', A.CGROUP_UNIX_GETSOCKNAME],
];

/** libbpf's table, in libbpf's order (the first match wins). */
export const SECTION_DEFINITIONS: readonly SectionDefinition[] = [
  def('socket', P.SOCKET_FILTER),
  def('sk_reuseport/migrate', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, { attachable: true }),
  def('sk_reuseport', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, { attachable: true }),
  def('kprobe+', P.KPROBE),
  ...withSleepable('uprobe+', P.KPROBE),
  def('kretprobe+', P.KPROBE),
  ...withSleepable('uretprobe+', P.KPROBE),
  def('kprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI),
  def('kretprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI),
  def('kprobe.session+', P.KPROBE, A.TRACE_KPROBE_SESSION),
  def('uprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI),
  def('uretprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI),
  def('uprobe.session+', P.KPROBE, A.TRACE_UPROBE_SESSION),
  def('uprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, sleepable),
  def('uretprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, sleepable),
  def('uprobe.session.s+', P.KPROBE, A.TRACE_UPROBE_SESSION, sleepable),
  def('ksyscall+', P.KPROBE),
  def('kretsyscall+', P.KPROBE),
  ...withSleepable('usdt+', P.KPROBE, 0, { usdt: true }),
  def('tc/ingress', P.SCHED_CLS, A.TCX_INGRESS),
  def('tc/egress', P.SCHED_CLS, A.TCX_EGRESS),
  def('tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS),
  def('tcx/egress', P.SCHED_CLS, A.TCX_EGRESS),
  def('tc', P.SCHED_CLS),
  def('classifier', P.SCHED_CLS),
  def('action', P.SCHED_ACT),
  def('netkit/primary', P.SCHED_CLS, A.NETKIT_PRIMARY),
  def('netkit/peer', P.SCHED_CLS, A.NETKIT_PEER),
  ...withSleepable('tracepoint+', P.TRACEPOINT),
  ...withSleepable('tp+', P.TRACEPOINT),
  ...withSleepable('raw_tracepoint+', P.RAW_TRACEPOINT),
  ...withSleepable('raw_tp+', P.RAW_TRACEPOINT),
  def('raw_tracepoint.w+', P.RAW_TRACEPOINT_WRITABLE),
  def('raw_tp.w+', P.RAW_TRACEPOINT_WRITABLE),
  ...withSleepable('tp_btf+', P.TRACING, A.TRACE_RAW_TP, { attachBtf: true }),
  ...withSleepable('fentry+', P.TRACING, A.TRACE_FENTRY, { attachBtf: true }),
  ...withSleepable('fmod_ret+', P.TRACING, A.MODIFY_RETURN, { attachBtf: true }),
  ...withSleepable('fexit+', P.TRACING, A.TRACE_FEXIT, { attachBtf: true }),
  def('freplace+', P.EXT, 0, { attachBtf: true }),
  ...withSleepable('lsm+', P.LSM, A.LSM_MAC, { attachBtf: true }),
  def('lsm_cgroup+', P.LSM, A.LSM_CGROUP, { attachBtf: true }),
  ...withSleepable('iter+', P.TRACING, A.TRACE_ITER, { attachBtf: true }),
  def('syscall', P.SYSCALL, 0, sleepable),
  def('xdp.frags/devmap', P.XDP, A.XDP_DEVMAP, { xdpFrags: true }),
  def('xdp/devmap', P.XDP, A.XDP_DEVMAP, { attachable: true }),
  def('xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP, { xdpFrags: true }),
  def('xdp/cpumap', P.XDP, A.XDP_CPUMAP, { attachable: true }),
  def('xdp.frags', P.XDP, A.XDP, { xdpFrags: true }),
  def('xdp', P.XDP, A.XDP, { attachableOptional: true }),
  def('perf_event', P.PERF_EVENT),
  def('lwt_in', P.LWT_IN),
  def('lwt_out', P.LWT_OUT),
  def('lwt_xmit', P.LWT_XMIT),
  def('lwt_seg6local', P.LWT_SEG6LOCAL),
  def('sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS, { attachableOptional: true }),
  def('sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER, { attachableOptional: true }),
  def('sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT, { attachableOptional: true }),
  def('sk_skb/verdict', P.SK_SKB, A.SK_SKB_VERDICT, { attachableOptional: true }),
  def('sk_skb', P.SK_SKB),
  def('sk_msg', P.SK_MSG, A.SK_MSG_VERDICT, { attachableOptional: true }),
  def('lirc_mode2', P.LIRC_MODE2, A.LIRC_MODE2, { attachableOptional: true }),
  def('flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, { attachableOptional: true }),
  def('cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS, { attachableOptional: true }),
  def('cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS, { attachableOptional: true }),
  def('cgroup/skb', P.CGROUP_SKB),
  def('cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, { attachable: true }),
  def('cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, { attachable: true }),
  def('cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, { attachableOptional: true }),
  def('cgroup/post_bind4', P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, { attachable: true }),
  def('cgroup/post_bind6', P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, { attachable: true }),
  ...CGROUP_SOCK_ADDR.map(([name, attach]) => def(`cgroup/${name}`, P.CGROUP_SOCK_ADDR, attach, { attachable: true })),
  def('cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, { attachable: true }),
  def('cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, { attachable: true }),
  def('cgroup/setsockopt', P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, { attachable: true }),
  def('cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE, { attachableOptional: true }),
  ...withSleepable('struct_ops+', P.STRUCT_OPS),
  def('sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP, { attachable: true }),
  def('netfilter', P.NETFILTER, A.NETFILTER),
];

export interface SectionMatch {
  definition: SectionDefinition;
  /** What follows the pattern's `/`: the auto-attach target (`syscalls/sys_enter_openat`), '' when none. */
  target: string;
  /** False for `?`-prefixed sections: loaded only when asked for. */
  autoload: boolean;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.endsWith('+')) {
    const prefix = pattern.slice(0, -1);
    return name === prefix || name.startsWith(`${prefix}/`);
  }
  if (pattern.endsWith('/')) return name.startsWith(pattern);
  return name === pattern;
}

/** libbpf's match for a program section name, or undefined when libbpf would refuse it. */
export function matchSection(sectionName: string): SectionMatch | undefined {
  const autoload = !sectionName.startsWith('?');
  const name = autoload ? sectionName : sectionName.slice(1);
  for (const definition of SECTION_DEFINITIONS) {
    if (!matches(definition.pattern, name)) continue;
    const base = definition.pattern.replace(/[+/]$/, '');
    const target = name.length > base.length ? name.slice(base.length + 1) : '';
    return { definition, target, autoload };
  }
  return undefined;
}

/** The known section name closest to `name` (edit distance), for "did you mean" in errors. */
export function closestSectionName(name: string): string {
  const head = name.replace(/^\?/, '').split('/')[0]!;
  let best = '';
  let bestDistance = Infinity;
  for (const { pattern } of SECTION_DEFINITIONS) {
    const candidate = pattern.replace(/[+/]$/, '').split('/')[0]!;
    const distance = editDistance(head, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Edit distance counting a swap of two neighbours as one edit: typos are mostly swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
