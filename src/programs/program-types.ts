/**
 * Program types: the kernel's `enum bpf_prog_type` with TypeScript names, and the names bpftool and
 * libbpf print for them (`tracepoint`, `sched_cls`, ...).
 */
import { ProgramTypeId } from '../sys/abi.js';

export const ProgramType = {
  SocketFilter: ProgramTypeId.SOCKET_FILTER,
  Kprobe: ProgramTypeId.KPROBE,
  SchedCls: ProgramTypeId.SCHED_CLS,
  SchedAct: ProgramTypeId.SCHED_ACT,
  Tracepoint: ProgramTypeId.TRACEPOINT,
  Xdp: ProgramTypeId.XDP,
  PerfEvent: ProgramTypeId.PERF_EVENT,
  CgroupSkb: ProgramTypeId.CGROUP_SKB,
  CgroupSock: ProgramTypeId.CGROUP_SOCK,
  LwtIn: ProgramTypeId.LWT_IN,
  LwtOut: ProgramTypeId.LWT_OUT,
  LwtXmit: ProgramTypeId.LWT_XMIT,
  SockOps: ProgramTypeId.SOCK_OPS,
  SkSkb: ProgramTypeId.SK_SKB,
  CgroupDevice: ProgramTypeId.CGROUP_DEVICE,
  SkMsg: ProgramTypeId.SK_MSG,
  RawTracepoint: ProgramTypeId.RAW_TRACEPOINT,
  CgroupSockAddr: ProgramTypeId.CGROUP_SOCK_ADDR,
  LwtSeg6Local: ProgramTypeId.LWT_SEG6LOCAL,
  LircMode2: ProgramTypeId.LIRC_MODE2,
  SkReuseport: ProgramTypeId.SK_REUSEPORT,
  FlowDissector: ProgramTypeId.FLOW_DISSECTOR,
  CgroupSysctl: ProgramTypeId.CGROUP_SYSCTL,
  RawTracepointWritable: ProgramTypeId.RAW_TRACEPOINT_WRITABLE,
  CgroupSockopt: ProgramTypeId.CGROUP_SOCKOPT,
  Tracing: ProgramTypeId.TRACING,
  StructOps: ProgramTypeId.STRUCT_OPS,
  Extension: ProgramTypeId.EXT,
  Lsm: ProgramTypeId.LSM,
  SkLookup: ProgramTypeId.SK_LOOKUP,
  Syscall: ProgramTypeId.SYSCALL,
  Netfilter: ProgramTypeId.NETFILTER,
} as const;
export type ProgramType = (typeof ProgramType)[keyof typeof ProgramType];

/** libbpf's name of each program type, as `bpftool prog list` and `feature probe` print it. */
const NAMES: Record<number, string> = {
  [ProgramTypeId.SOCKET_FILTER]: 'socket_filter',
  [ProgramTypeId.KPROBE]: 'kprobe',
  [ProgramTypeId.SCHED_CLS]: 'sched_cls',
  [ProgramTypeId.SCHED_ACT]: 'sched_act',
  [ProgramTypeId.TRACEPOINT]: 'tracepoint',
  [ProgramTypeId.XDP]: 'xdp',
  [ProgramTypeId.PERF_EVENT]: 'perf_event',
  [ProgramTypeId.CGROUP_SKB]: 'cgroup_skb',
  [ProgramTypeId.CGROUP_SOCK]: 'cgroup_sock',
  [ProgramTypeId.LWT_IN]: 'lwt_in',
  [ProgramTypeId.LWT_OUT]: 'lwt_out',
  [ProgramTypeId.LWT_XMIT]: 'lwt_xmit',
  [ProgramTypeId.SOCK_OPS]: 'sock_ops',
  [ProgramTypeId.SK_SKB]: 'sk_skb',
  [ProgramTypeId.CGROUP_DEVICE]: 'cgroup_device',
  [ProgramTypeId.SK_MSG]: 'sk_msg',
  [ProgramTypeId.RAW_TRACEPOINT]: 'raw_tracepoint',
  [ProgramTypeId.CGROUP_SOCK_ADDR]: 'cgroup_sock_addr',
  [ProgramTypeId.LWT_SEG6LOCAL]: 'lwt_seg6local',
  [ProgramTypeId.LIRC_MODE2]: 'lirc_mode2',
  [ProgramTypeId.SK_REUSEPORT]: 'sk_reuseport',
  [ProgramTypeId.FLOW_DISSECTOR]: 'flow_dissector',
  [ProgramTypeId.CGROUP_SYSCTL]: 'cgroup_sysctl',
  [ProgramTypeId.RAW_TRACEPOINT_WRITABLE]: 'raw_tracepoint_writable',
  [ProgramTypeId.CGROUP_SOCKOPT]: 'cgroup_sockopt',
  [ProgramTypeId.TRACING]: 'tracing',
  [ProgramTypeId.STRUCT_OPS]: 'struct_ops',
  [ProgramTypeId.EXT]: 'ext',
  [ProgramTypeId.LSM]: 'lsm',
  [ProgramTypeId.SK_LOOKUP]: 'sk_lookup',
  [ProgramTypeId.SYSCALL]: 'syscall',
  [ProgramTypeId.NETFILTER]: 'netfilter',
};

export function programTypeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

/** The program type with libbpf name `name`, or undefined. */
export function programTypeByName(name: string): ProgramType | undefined {
  const found = Object.entries(NAMES).find(([, n]) => n === name);
  return found ? (Number(found[0]) as ProgramType) : undefined;
}

/** Every program type this version of tsbpf knows, in kernel order. */
export const ALL_PROGRAM_TYPES: readonly ProgramType[] = Object.values(ProgramType);
