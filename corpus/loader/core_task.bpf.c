// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE against the kernel's own types (vmlinux.h): task_struct fields through pointers, arrays and
 * anonymous members, bitfields, a flexible array, 32- and 64-bit enums, type relocations, and a
 * subprogram with its own relocations. The CO-RE tests patch these with tsbpf and with libbpf and
 * compare every relocated instruction, against this kernel's BTF and against Debian 6.1's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

__u64 out[40];

static __noinline __u64 parent_tgid(struct task_struct *task)
{
  return BPF_CORE_READ(task, real_parent, tgid) + bpf_core_field_size(task->real_parent);
}

SEC("raw_tp/sys_enter")
int task_fields(void *ctx)
{
  struct task_struct *task = (void *)bpf_get_current_task();

  out[0] = BPF_CORE_READ(task, pid);
  out[1] = parent_tgid(task);
  out[2] = bpf_core_field_exists(task->flags);
  out[3] = bpf_core_field_size(task->comm);
  out[4] = bpf_core_field_offset(task->comm[3]);
  out[5] = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
  out[6] = BPF_CORE_READ_BITFIELD_PROBED(task, frozen);
  out[7] = __builtin_preserve_field_info(task->prio, BPF_FIELD_SIGNED);
  out[8] = __builtin_preserve_field_info(task->flags, BPF_FIELD_SIGNED);
  out[9] = BPF_CORE_READ(task, mm, arg_start);
  out[10] = BPF_CORE_READ(task, signal, rlim[3].rlim_cur);
  out[11] = BPF_CORE_READ(task, thread_pid, numbers[2].nr);
  out[12] = BPF_CORE_READ(task, thread_pid, level);
  out[13] = BPF_CORE_READ(task, utime);
  return 0;
}

SEC("raw_tp/sys_exit")
int type_and_enum(void *ctx)
{
  out[20] = bpf_core_type_size(struct task_struct);
  out[21] = bpf_core_type_id_kernel(struct task_struct);
  out[22] = bpf_core_type_id_local(struct task_struct);
  out[23] = bpf_core_type_exists(struct pid);
  out[24] = bpf_core_type_exists(pid_t);
  out[25] = bpf_core_type_size(pid_t);
  out[26] = bpf_core_enum_value_exists(enum pid_type, PIDTYPE_TGID);
  out[27] = bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
  out[28] = bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_MAX);
  out[29] = bpf_core_enum_value_exists(enum perf_callchain_context, PERF_CONTEXT_GUEST);
  out[30] = bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_USER);
  return 0;
}

SEC("raw_tp/netif_receive_skb")
int skb_fields(struct sk_buff *skb)
{
  out[31] = BPF_CORE_READ(skb, dev, ifindex);
  out[32] = BPF_CORE_READ(skb, len);
  out[33] = BPF_CORE_READ(skb, tstamp);
  out[34] = BPF_CORE_READ(skb, sk, __sk_common.skc_family);
  out[35] = bpf_core_field_offset(struct sk_buff, cb[8]);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
