/**
 * GENERATED from the BTF of Linux 6.18.44-fc-v595 (/sys/kernel/btf/vmlinux) by src/abi-gen with tsbpf's own
 * BTF reader: `npm run generate:abi`. Do not edit; change src/abi-gen/spec.ts and regenerate.
 * src/abi-gen/generate.test.ts regenerates it on the running kernel and fails when it differs.
 *
 * Enums and layouts are from include/uapi/linux/bpf.h unless a comment names another header. Each
 * layout lists member byte offsets; its `size` is how many bytes tsbpf passes (see spec.ts).
 */

/** The kernel release this file was generated from (`uname -r`). */
export const ABI_KERNEL_RELEASE = "6.18.44-fc-v595";

/** `enum bpf_cmd`. */
export const BpfCommand = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_ATTACH: 8,
  PROG_DETACH: 9,
  PROG_TEST_RUN: 10,
  PROG_RUN: 10,
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16,
  RAW_TRACEPOINT_OPEN: 17,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  TASK_FD_QUERY: 20,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  BTF_GET_NEXT_ID: 23,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27,
  LINK_CREATE: 28,
  LINK_UPDATE: 29,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
  ENABLE_STATS: 32,
  ITER_CREATE: 33,
  LINK_DETACH: 34,
  PROG_BIND_MAP: 35,
  TOKEN_CREATE: 36,
  PROG_STREAM_READ_BY_FD: 37,
} as const;

/** `enum bpf_map_type`. */
export const MapTypeId = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE_DEPRECATED: 19,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE_DEPRECATED: 21,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
} as const;

/** The BPF ring buffer record header: the anonymous enum holding BPF_RINGBUF_BUSY_BIT, DISCARD_BIT, HDR_SZ. */
export const RingbufHeader = {
  BUSY_BIT: 2147483648,
  DISCARD_BIT: 1073741824,
  HDR_SZ: 8,
} as const;

/** `enum perf_event_type`: the records of a perf ring (include/uapi/linux/perf_event.h). */
export const PerfRecordType = {
  MMAP: 1,
  LOST: 2,
  COMM: 3,
  EXIT: 4,
  THROTTLE: 5,
  UNTHROTTLE: 6,
  FORK: 7,
  READ: 8,
  SAMPLE: 9,
  MMAP2: 10,
  AUX: 11,
  ITRACE_START: 12,
  LOST_SAMPLES: 13,
  SWITCH: 14,
  SWITCH_CPU_WIDE: 15,
  NAMESPACES: 16,
  KSYMBOL: 17,
  BPF_EVENT: 18,
  CGROUP: 19,
  TEXT_POKE: 20,
  AUX_OUTPUT_HW_ID: 21,
  MAX: 22,
} as const;

/** `enum bpf_prog_type`. */
export const ProgramTypeId = {
  UNSPEC: 0,
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  LWT_IN: 10,
  LWT_OUT: 11,
  LWT_XMIT: 12,
  SOCK_OPS: 13,
  SK_SKB: 14,
  CGROUP_DEVICE: 15,
  SK_MSG: 16,
  RAW_TRACEPOINT: 17,
  CGROUP_SOCK_ADDR: 18,
  LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20,
  SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22,
  CGROUP_SYSCTL: 23,
  RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25,
  TRACING: 26,
  STRUCT_OPS: 27,
  EXT: 28,
  LSM: 29,
  SK_LOOKUP: 30,
  SYSCALL: 31,
  NETFILTER: 32,
} as const;

/** `enum bpf_attach_type`. */
export const AttachTypeId = {
  CGROUP_INET_INGRESS: 0,
  CGROUP_INET_EGRESS: 1,
  CGROUP_INET_SOCK_CREATE: 2,
  CGROUP_SOCK_OPS: 3,
  SK_SKB_STREAM_PARSER: 4,
  SK_SKB_STREAM_VERDICT: 5,
  CGROUP_DEVICE: 6,
  SK_MSG_VERDICT: 7,
  CGROUP_INET4_BIND: 8,
  CGROUP_INET6_BIND: 9,
  CGROUP_INET4_CONNECT: 10,
  CGROUP_INET6_CONNECT: 11,
  CGROUP_INET4_POST_BIND: 12,
  CGROUP_INET6_POST_BIND: 13,
  CGROUP_UDP4_SENDMSG: 14,
  CGROUP_UDP6_SENDMSG: 15,
  LIRC_MODE2: 16,
  FLOW_DISSECTOR: 17,
  CGROUP_SYSCTL: 18,
  CGROUP_UDP4_RECVMSG: 19,
  CGROUP_UDP6_RECVMSG: 20,
  CGROUP_GETSOCKOPT: 21,
  CGROUP_SETSOCKOPT: 22,
  TRACE_RAW_TP: 23,
  TRACE_FENTRY: 24,
  TRACE_FEXIT: 25,
  MODIFY_RETURN: 26,
  LSM_MAC: 27,
  TRACE_ITER: 28,
  CGROUP_INET4_GETPEERNAME: 29,
  CGROUP_INET6_GETPEERNAME: 30,
  CGROUP_INET4_GETSOCKNAME: 31,
  CGROUP_INET6_GETSOCKNAME: 32,
  XDP_DEVMAP: 33,
  CGROUP_INET_SOCK_RELEASE: 34,
  XDP_CPUMAP: 35,
  SK_LOOKUP: 36,
  XDP: 37,
  SK_SKB_VERDICT: 38,
  SK_REUSEPORT_SELECT: 39,
  SK_REUSEPORT_SELECT_OR_MIGRATE: 40,
  PERF_EVENT: 41,
  TRACE_KPROBE_MULTI: 42,
  LSM_CGROUP: 43,
  STRUCT_OPS: 44,
  NETFILTER: 45,
  TCX_INGRESS: 46,
  TCX_EGRESS: 47,
  TRACE_UPROBE_MULTI: 48,
  CGROUP_UNIX_CONNECT: 49,
  CGROUP_UNIX_SENDMSG: 50,
  CGROUP_UNIX_RECVMSG: 51,
  CGROUP_UNIX_GETPEERNAME: 52,
  CGROUP_UNIX_GETSOCKNAME: 53,
  NETKIT_PRIMARY: 54,
  NETKIT_PEER: 55,
  TRACE_KPROBE_SESSION: 56,
  TRACE_UPROBE_SESSION: 57,
} as const;

/** `enum bpf_link_type`. */
export const LinkTypeId = {
  UNSPEC: 0,
  RAW_TRACEPOINT: 1,
  TRACING: 2,
  CGROUP: 3,
  ITER: 4,
  NETNS: 5,
  XDP: 6,
  PERF_EVENT: 7,
  KPROBE_MULTI: 8,
  STRUCT_OPS: 9,
  NETFILTER: 10,
  TCX: 11,
  UPROBE_MULTI: 12,
  NETKIT: 13,
  SOCKMAP: 14,
} as const;

/** `enum bpf_stats_type`. */
export const StatsType = {
  RUN_TIME: 0,
} as const;

/** Flags of BPF_MAP_UPDATE_ELEM and the batch commands (the anonymous enum holding BPF_ANY). */
export const UpdateFlags = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  LOCK: 4,
} as const;

/** `map_flags` of BPF_MAP_CREATE (the anonymous enum holding BPF_F_NO_PREALLOC). */
export const MapFlags = {
  NO_PREALLOC: 1,
  NO_COMMON_LRU: 2,
  NUMA_NODE: 4,
  RDONLY: 8,
  WRONLY: 16,
  STACK_BUILD_ID: 32,
  ZERO_SEED: 64,
  RDONLY_PROG: 128,
  WRONLY_PROG: 256,
  CLONE: 512,
  MMAPABLE: 1024,
  PRESERVE_ELEMS: 2048,
  INNER_MAP: 4096,
  LINK: 8192,
  PATH_FD: 16384,
  VTYPE_BTF_OBJ_FD: 32768,
  TOKEN_FD: 65536,
  SEGV_ON_FAULT: 131072,
  NO_USER_CONV: 262144,
} as const;

/** `file_flags` of BPF_OBJ_GET and `open_flags` of the *_GET_FD_BY_ID commands (from the map-flags enum). */
export const FileFlags = {
  RDONLY: 8,
  WRONLY: 16,
} as const;

/** `enum perf_type_id` (include/uapi/linux/perf_event.h). */
export const PerfType = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  HW_CACHE: 3,
  RAW: 4,
  BREAKPOINT: 5,
} as const;

/** `enum perf_sw_ids` (include/uapi/linux/perf_event.h). */
export const PerfSoftwareEvent = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  CPU_MIGRATIONS: 4,
  PAGE_FAULTS_MIN: 5,
  PAGE_FAULTS_MAJ: 6,
  ALIGNMENT_FAULTS: 7,
  EMULATION_FAULTS: 8,
  DUMMY: 9,
  BPF_OUTPUT: 10,
  CGROUP_SWITCHES: 11,
} as const;

/** PERF_SAMPLE_RAW of `enum perf_event_sample_format` (include/uapi/linux/perf_event.h). */
export const PERF_SAMPLE_RAW = 1024;

/** Helper names indexed by `enum bpf_func_id` (BPF_FUNC_<name>). */
export const HELPER_NAMES: readonly string[] = [
  'unspec', 'map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'probe_read', 'ktime_get_ns', 'trace_printk',
  'get_prandom_u32', 'get_smp_processor_id', 'skb_store_bytes', 'l3_csum_replace', 'l4_csum_replace', 'tail_call',
  'clone_redirect', 'get_current_pid_tgid', 'get_current_uid_gid', 'get_current_comm', 'get_cgroup_classid',
  'skb_vlan_push', 'skb_vlan_pop', 'skb_get_tunnel_key', 'skb_set_tunnel_key', 'perf_event_read', 'redirect',
  'get_route_realm', 'perf_event_output', 'skb_load_bytes', 'get_stackid', 'csum_diff', 'skb_get_tunnel_opt',
  'skb_set_tunnel_opt', 'skb_change_proto', 'skb_change_type', 'skb_under_cgroup', 'get_hash_recalc',
  'get_current_task', 'probe_write_user', 'current_task_under_cgroup', 'skb_change_tail', 'skb_pull_data',
  'csum_update', 'set_hash_invalid', 'get_numa_node_id', 'skb_change_head', 'xdp_adjust_head', 'probe_read_str',
  'get_socket_cookie', 'get_socket_uid', 'set_hash', 'setsockopt', 'skb_adjust_room', 'redirect_map', 'sk_redirect_map',
  'sock_map_update', 'xdp_adjust_meta', 'perf_event_read_value', 'perf_prog_read_value', 'getsockopt',
  'override_return', 'sock_ops_cb_flags_set', 'msg_redirect_map', 'msg_apply_bytes', 'msg_cork_bytes', 'msg_pull_data',
  'bind', 'xdp_adjust_tail', 'skb_get_xfrm_state', 'get_stack', 'skb_load_bytes_relative', 'fib_lookup',
  'sock_hash_update', 'msg_redirect_hash', 'sk_redirect_hash', 'lwt_push_encap', 'lwt_seg6_store_bytes',
  'lwt_seg6_adjust_srh', 'lwt_seg6_action', 'rc_repeat', 'rc_keydown', 'skb_cgroup_id', 'get_current_cgroup_id',
  'get_local_storage', 'sk_select_reuseport', 'skb_ancestor_cgroup_id', 'sk_lookup_tcp', 'sk_lookup_udp', 'sk_release',
  'map_push_elem', 'map_pop_elem', 'map_peek_elem', 'msg_push_data', 'msg_pop_data', 'rc_pointer_rel', 'spin_lock',
  'spin_unlock', 'sk_fullsock', 'tcp_sock', 'skb_ecn_set_ce', 'get_listener_sock', 'skc_lookup_tcp',
  'tcp_check_syncookie', 'sysctl_get_name', 'sysctl_get_current_value', 'sysctl_get_new_value', 'sysctl_set_new_value',
  'strtol', 'strtoul', 'sk_storage_get', 'sk_storage_delete', 'send_signal', 'tcp_gen_syncookie', 'skb_output',
  'probe_read_user', 'probe_read_kernel', 'probe_read_user_str', 'probe_read_kernel_str', 'tcp_send_ack',
  'send_signal_thread', 'jiffies64', 'read_branch_records', 'get_ns_current_pid_tgid', 'xdp_output', 'get_netns_cookie',
  'get_current_ancestor_cgroup_id', 'sk_assign', 'ktime_get_boot_ns', 'seq_printf', 'seq_write', 'sk_cgroup_id',
  'sk_ancestor_cgroup_id', 'ringbuf_output', 'ringbuf_reserve', 'ringbuf_submit', 'ringbuf_discard', 'ringbuf_query',
  'csum_level', 'skc_to_tcp6_sock', 'skc_to_tcp_sock', 'skc_to_tcp_timewait_sock', 'skc_to_tcp_request_sock',
  'skc_to_udp6_sock', 'get_task_stack', 'load_hdr_opt', 'store_hdr_opt', 'reserve_hdr_opt', 'inode_storage_get',
  'inode_storage_delete', 'd_path', 'copy_from_user', 'snprintf_btf', 'seq_printf_btf', 'skb_cgroup_classid',
  'redirect_neigh', 'per_cpu_ptr', 'this_cpu_ptr', 'redirect_peer', 'task_storage_get', 'task_storage_delete',
  'get_current_task_btf', 'bprm_opts_set', 'ktime_get_coarse_ns', 'ima_inode_hash', 'sock_from_file', 'check_mtu',
  'for_each_map_elem', 'snprintf', 'sys_bpf', 'btf_find_by_name_kind', 'sys_close', 'timer_init', 'timer_set_callback',
  'timer_start', 'timer_cancel', 'get_func_ip', 'get_attach_cookie', 'task_pt_regs', 'get_branch_snapshot',
  'trace_vprintk', 'skc_to_unix_sock', 'kallsyms_lookup_name', 'find_vma', 'loop', 'strncmp', 'get_func_arg',
  'get_func_ret', 'get_func_arg_cnt', 'get_retval', 'set_retval', 'xdp_get_buff_len', 'xdp_load_bytes',
  'xdp_store_bytes', 'copy_from_user_task', 'skb_set_tstamp', 'ima_file_hash', 'kptr_xchg', 'map_lookup_percpu_elem',
  'skc_to_mptcp_sock', 'dynptr_from_mem', 'ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr', 'ringbuf_discard_dynptr',
  'dynptr_read', 'dynptr_write', 'dynptr_data', 'tcp_raw_gen_syncookie_ipv4', 'tcp_raw_gen_syncookie_ipv6',
  'tcp_raw_check_syncookie_ipv4', 'tcp_raw_check_syncookie_ipv6', 'ktime_get_tai_ns', 'user_ringbuf_drain',
  'cgrp_storage_get', 'cgrp_storage_delete',
];

/** sizeof(union bpf_attr): every command's buffer is this large and zeroed beyond its members. */
export const BPF_ATTR_SIZE = 168;

/** sizeof(struct bpf_insn). */
export const INSTRUCTION_SIZE = 8;

/** BPF_MAP_CREATE. */
export const MapCreateAttr = {
  map_type: 0, key_size: 4, value_size: 8, max_entries: 12, map_flags: 16, inner_map_fd: 20, numa_node: 24,
  map_name: 28, map_ifindex: 44, btf_fd: 48, btf_key_type_id: 52, btf_value_type_id: 56, btf_vmlinux_value_type_id: 60,
  map_extra: 64, value_type_btf_obj_fd: 72, map_token_fd: 76, size: 72,
} as const;

/** BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY. */
export const MapElemAttr = {
  map_fd: 0, key: 8, value: 16, next_key: 16, flags: 24, size: 32,
} as const;

/** BPF_MAP_*_BATCH. */
export const MapBatchAttr = {
  in_batch: 0, out_batch: 8, keys: 16, values: 24, count: 32, map_fd: 36, elem_flags: 40, flags: 48, size: 56,
} as const;

/** BPF_PROG_LOAD. */
export const ProgLoadAttr = {
  prog_type: 0, insn_cnt: 4, insns: 8, license: 16, log_level: 24, log_size: 28, log_buf: 32, kern_version: 40,
  prog_flags: 44, prog_name: 48, prog_ifindex: 64, expected_attach_type: 68, prog_btf_fd: 72, func_info_rec_size: 76,
  func_info: 80, func_info_cnt: 88, line_info_rec_size: 92, line_info: 96, line_info_cnt: 104, attach_btf_id: 108,
  attach_prog_fd: 112, attach_btf_obj_fd: 112, core_relo_cnt: 116, fd_array: 120, core_relos: 128,
  core_relo_rec_size: 136, log_true_size: 140, prog_token_fd: 144, fd_array_cnt: 148, size: 144,
} as const;

/** BPF_OBJ_PIN and BPF_OBJ_GET. */
export const ObjPinAttr = {
  pathname: 0, bpf_fd: 8, file_flags: 12, path_fd: 16, size: 16,
} as const;

/** BPF_PROG_ATTACH and BPF_PROG_DETACH. */
export const ProgAttachAttr = {
  target_fd: 0, attach_bpf_fd: 4, attach_type: 8, attach_flags: 12, replace_bpf_fd: 16, relative_fd: 20,
  expected_revision: 24, size: 20,
} as const;

/** BPF_PROG_TEST_RUN. */
export const TestRunAttr = {
  prog_fd: 0, retval: 4, data_size_in: 8, data_size_out: 12, data_in: 16, data_out: 24, repeat: 32, duration: 36,
  ctx_size_in: 40, ctx_size_out: 44, ctx_in: 48, ctx_out: 56, flags: 64, cpu: 68, batch_size: 72, size: 76,
} as const;

/** BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID (`id` is the prog_id/map_id/btf_id/link_id union). */
export const GetIdAttr = {
  start_id: 0, id: 0, next_id: 4, open_flags: 8, size: 12,
} as const;

/** BPF_OBJ_GET_INFO_BY_FD. */
export const InfoAttr = {
  bpf_fd: 0, info_len: 4, info: 8, size: 16,
} as const;

/** BPF_BTF_LOAD. */
export const BtfLoadAttr = {
  btf: 0, btf_log_buf: 8, btf_size: 16, btf_log_size: 20, btf_log_level: 24, btf_log_true_size: 28, btf_flags: 32,
  btf_token_fd: 36, size: 28,
} as const;

/** BPF_ENABLE_STATS. */
export const EnableStatsAttr = {
  type: 0, size: 4,
} as const;

/** BPF_PROG_BIND_MAP. */
export const ProgBindMapAttr = {
  prog_fd: 0, map_fd: 4, flags: 8, size: 12,
} as const;

/** BPF_LINK_CREATE: the common head, target_btf_id, and the per-link-type members (the size covers every one). */
export const LinkCreateAttr = {
  prog_fd: 0, target_fd: 4, attach_type: 8, flags: 12, target_btf_id: 16, iter_info: 16, iter_info_len: 24,
  perf_event_bpf_cookie: 16, tracing_cookie: 24, kprobe_multi_flags: 16, kprobe_multi_cnt: 20, kprobe_multi_syms: 24,
  kprobe_multi_addrs: 32, kprobe_multi_cookies: 40, netfilter_pf: 16, netfilter_hooknum: 20, netfilter_priority: 24,
  netfilter_flags: 28, tcx_relative_fd: 16, tcx_expected_revision: 24, uprobe_multi_path: 16, uprobe_multi_offsets: 24,
  uprobe_multi_ref_ctr_offsets: 32, uprobe_multi_cookies: 40, uprobe_multi_cnt: 48, uprobe_multi_flags: 52,
  uprobe_multi_pid: 56, size: 60,
} as const;

/** BPF_RAW_TRACEPOINT_OPEN. */
export const RawTracepointOpenAttr = {
  name: 0, prog_fd: 8, size: 12,
} as const;

/** BPF_PROG_QUERY. */
export const ProgQueryAttr = {
  target_fd: 0, attach_type: 4, query_flags: 8, attach_flags: 12, prog_ids: 16, prog_cnt: 24, prog_attach_flags: 32,
  size: 40,
} as const;

/** BPF_TASK_FD_QUERY. */
export const TaskFdQueryAttr = {
  pid: 0, fd: 4, flags: 8, buf_len: 12, buf: 16, prog_id: 24, fd_type: 28, probe_offset: 32, probe_addr: 40, size: 48,
} as const;

/** BPF_LINK_UPDATE. */
export const LinkUpdateAttr = {
  link_fd: 0, new_prog_fd: 4, flags: 8, old_prog_fd: 12, size: 16,
} as const;

/** BPF_ITER_CREATE. */
export const IterCreateAttr = {
  link_fd: 0, flags: 4, size: 8,
} as const;

/** BPF_LINK_DETACH. */
export const LinkDetachAttr = {
  link_fd: 0, size: 4,
} as const;

/** `struct bpf_prog_info`: offsets and total size. `gpl_compatible:1` is a bitfield: its entry is the byte holding its bit 0. */
export const ProgInfoLayout = {
  type: 0, id: 4, tag: 8, jited_prog_len: 16, xlated_prog_len: 20, jited_prog_insns: 24, xlated_prog_insns: 32,
  load_time: 40, created_by_uid: 48, nr_map_ids: 52, map_ids: 56, name: 64, ifindex: 80, gpl_compatible: 84,
  netns_dev: 88, netns_ino: 96, nr_jited_ksyms: 104, nr_jited_func_lens: 108, jited_ksyms: 112, jited_func_lens: 120,
  btf_id: 128, func_info_rec_size: 132, func_info: 136, nr_func_info: 144, nr_line_info: 148, line_info: 152,
  jited_line_info: 160, nr_jited_line_info: 168, line_info_rec_size: 172, jited_line_info_rec_size: 176,
  nr_prog_tags: 180, prog_tags: 184, run_time_ns: 192, run_cnt: 200, recursion_misses: 208, verified_insns: 216,
  attach_btf_obj_id: 220, attach_btf_id: 224, size: 232,
} as const;

/** `struct bpf_map_info`. */
export const MapInfoLayout = {
  type: 0, id: 4, key_size: 8, value_size: 12, max_entries: 16, map_flags: 20, name: 24, ifindex: 40,
  btf_vmlinux_value_type_id: 44, netns_dev: 48, netns_ino: 56, btf_id: 64, btf_key_type_id: 68, btf_value_type_id: 72,
  btf_vmlinux_id: 76, map_extra: 80, hash: 88, hash_size: 96, size: 104,
} as const;

/** `struct bpf_btf_info`. */
export const BtfInfoLayout = {
  btf: 0, btf_size: 8, id: 12, name: 16, name_len: 24, kernel_btf: 28, size: 32,
} as const;

/** `struct bpf_link_info`: the common head and where the per-type union starts. */
export const LinkInfoLayout = {
  type: 0, id: 4, prog_id: 8, union: 16, size: 64,
} as const;

/** `struct perf_event_attr` (include/uapi/linux/perf_event.h). `flags` is the byte holding the first bitfield (`disabled`); `total` is PERF_ATTR_SIZE_VER8, the end of config3. */
export const PerfEventAttrLayout = {
  type: 0, size: 4, config: 8, sample_period: 16, sample_freq: 16, sample_type: 24, read_format: 32, flags: 40,
  wakeup_events: 48, wakeup_watermark: 48, bp_type: 52, config1: 56, config2: 64, total: 136,
} as const;

/** `struct perf_event_mmap_page` (include/uapi/linux/perf_event.h): the perf ring's control page; the reader publishes data_tail. */
export const PerfMmapPageLayout = {
  data_head: 1024, data_tail: 1032, data_offset: 1040, data_size: 1048, size: 1088,
} as const;

/** `struct perf_event_header` (include/uapi/linux/perf_event.h): the head of every record in a perf ring. */
export const PerfEventHeaderLayout = {
  type: 0, misc: 4, size: 6, total: 8,
} as const;

/** `perf_event_attr` bitfields after read_format, as bits of the u64 at PerfEventAttrLayout.flags (include/uapi/linux/perf_event.h). */
export const PerfAttrFlags = {
  DISABLED: 1n << 0n, INHERIT: 1n << 1n, EXCLUDE_KERNEL: 1n << 5n, EXCLUDE_HV: 1n << 6n, FREQ: 1n << 10n,
  WATERMARK: 1n << 14n,
} as const;
