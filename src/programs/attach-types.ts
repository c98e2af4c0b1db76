/**
 * Attach types: the kernel's `enum bpf_attach_type` with TypeScript names, and libbpf's names for
 * them (`cgroup_inet_ingress`, `trace_fentry`, ...).
 */
import { AttachTypeId } from '../sys/abi.js';
import { enumNames } from '../sys/abi-names.js';

export const AttachType = {
  CgroupInetIngress: AttachTypeId.CGROUP_INET_INGRESS,
  CgroupInetEgress: AttachTypeId.CGROUP_INET_EGRESS,
  CgroupInetSockCreate: AttachTypeId.CGROUP_INET_SOCK_CREATE,
  CgroupSockOps: AttachTypeId.CGROUP_SOCK_OPS,
  SkSkbStreamParser: AttachTypeId.SK_SKB_STREAM_PARSER,
  SkSkbStreamVerdict: AttachTypeId.SK_SKB_STREAM_VERDICT,
  CgroupDevice: AttachTypeId.CGROUP_DEVICE,
  SkMsgVerdict: AttachTypeId.SK_MSG_VERDICT,
  CgroupInet4Bind: AttachTypeId.CGROUP_INET4_BIND,
  CgroupInet6Bind: AttachTypeId.CGROUP_INET6_BIND,
  CgroupInet4Connect: AttachTypeId.CGROUP_INET4_CONNECT,
  CgroupInet6Connect: AttachTypeId.CGROUP_INET6_CONNECT,
  CgroupInet4PostBind: AttachTypeId.CGROUP_INET4_POST_BIND,
  CgroupInet6PostBind: AttachTypeId.CGROUP_INET6_POST_BIND,
  CgroupUdp4Sendmsg: AttachTypeId.CGROUP_UDP4_SENDMSG,
  CgroupUdp6Sendmsg: AttachTypeId.CGROUP_UDP6_SENDMSG,
  LircMode2: AttachTypeId.LIRC_MODE2,
  FlowDissector: AttachTypeId.FLOW_DISSECTOR,
  CgroupSysctl: AttachTypeId.CGROUP_SYSCTL,
  CgroupUdp4Recvmsg: AttachTypeId.CGROUP_UDP4_RECVMSG,
  CgroupUdp6Recvmsg: AttachTypeId.CGROUP_UDP6_RECVMSG,
  CgroupGetsockopt: AttachTypeId.CGROUP_GETSOCKOPT,
  CgroupSetsockopt: AttachTypeId.CGROUP_SETSOCKOPT,
  TraceRawTp: AttachTypeId.TRACE_RAW_TP,
  TraceFentry: AttachTypeId.TRACE_FENTRY,
  TraceFexit: AttachTypeId.TRACE_FEXIT,
  ModifyReturn: AttachTypeId.MODIFY_RETURN,
  LsmMac: AttachTypeId.LSM_MAC,
  TraceIter: AttachTypeId.TRACE_ITER,
  CgroupInet4Getpeername: AttachTypeId.CGROUP_INET4_GETPEERNAME,
  CgroupInet6Getpeername: AttachTypeId.CGROUP_INET6_GETPEERNAME,
  CgroupInet4Getsockname: AttachTypeId.CGROUP_INET4_GETSOCKNAME,
  CgroupInet6Getsockname: AttachTypeId.CGROUP_INET6_GETSOCKNAME,
  XdpDevmap: AttachTypeId.XDP_DEVMAP,
  CgroupInetSockRelease: AttachTypeId.CGROUP_INET_SOCK_RELEASE,
  XdpCpumap: AttachTypeId.XDP_CPUMAP,
  SkLookup: AttachTypeId.SK_LOOKUP,
  Xdp: AttachTypeId.XDP,
  SkSkbVerdict: AttachTypeId.SK_SKB_VERDICT,
  SkReuseportSelect: AttachTypeId.SK_REUSEPORT_SELECT,
  SkReuseportSelectOrMigrate: AttachTypeId.SK_REUSEPORT_SELECT_OR_MIGRATE,
  PerfEvent: AttachTypeId.PERF_EVENT,
  TraceKprobeMulti: AttachTypeId.TRACE_KPROBE_MULTI,
  LsmCgroup: AttachTypeId.LSM_CGROUP,
  StructOps: AttachTypeId.STRUCT_OPS,
  Netfilter: AttachTypeId.NETFILTER,
  TcxIngress: AttachTypeId.TCX_INGRESS,
  TcxEgress: AttachTypeId.TCX_EGRESS,
  TraceUprobeMulti: AttachTypeId.TRACE_UPROBE_MULTI,
  CgroupUnixConnect: AttachTypeId.CGROUP_UNIX_CONNECT,
  CgroupUnixSendmsg: AttachTypeId.CGROUP_UNIX_SENDMSG,
  CgroupUnixRecvmsg: AttachTypeId.CGROUP_UNIX_RECVMSG,
  CgroupUnixGetpeername: AttachTypeId.CGROUP_UNIX_GETPEERNAME,
  CgroupUnixGetsockname: AttachTypeId.CGROUP_UNIX_GETSOCKNAME,
  NetkitPrimary: AttachTypeId.NETKIT_PRIMARY,
  NetkitPeer: AttachTypeId.NETKIT_PEER,
  TraceKprobeSession: AttachTypeId.TRACE_KPROBE_SESSION,
  TraceUprobeSession: AttachTypeId.TRACE_UPROBE_SESSION,
} as const;
export type AttachType = (typeof AttachType)[keyof typeof AttachType];

const NAMES = enumNames(AttachTypeId);

/** libbpf's name of the type, as bpftool prints it. */
export function attachTypeName(type: number): string {
  return NAMES.name(type);
}
