/**
 * Program types: the kernel's `enum bpf_prog_type` with TypeScript names, and the names bpftool and
 * libbpf print for them (`tracepoint`, `sched_cls`, ...).
 */
import { ProgramTypeId } from '../sys/abi.js';
import { enumNames } from '../sys/abi-names.js';

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

const NAMES = enumNames(ProgramTypeId);

/** libbpf's name of the type, as bpftool prints it. */
export function programTypeName(type: number): string {
  return NAMES.name(type);
}

/** The ProgramType with libbpf name `name`, or undefined. */
export function programTypeByName(name: string): ProgramType | undefined {
  return NAMES.value(name) as ProgramType | undefined;
}

/** Every program type this version of tsbpf knows, in kernel order. */
export const ALL_PROGRAM_TYPES: readonly ProgramType[] = Object.values(ProgramType);
