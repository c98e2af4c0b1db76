// SPDX-License-Identifier: GPL-2.0
/* Feature: CO-RE reads of task_struct without kfuncs: BPF_CORE_READ chains (real_parent->tgid,
 * mm->start_code), bpf_core_field_exists and a direct field read in a raw tracepoint.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the CO-RE relocations are resolved
 * against /sys/kernel/btf/vmlinux. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

__u32 parent_tgid;
__u64 code_start;

SEC("raw_tp/sched_process_fork")
int read_parent(struct bpf_raw_tracepoint_args *ctx)
{
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();

  parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
  code_start = BPF_CORE_READ(task, mm, start_code);
  if (bpf_core_field_exists(task->loginuid))
    parent_tgid += 0;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
