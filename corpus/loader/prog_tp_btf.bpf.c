// SPDX-License-Identifier: GPL-2.0
/* Feature: BTF-enabled tracepoints (tp_btf/NAME): libbpf finds btf_trace_NAME in vmlinux BTF and
 * passes its id as attach_btf_id; arguments are typed kernel pointers read directly.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both as tracing programs attached by BTF
 * id. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u32 last_exec_pid;
__u64 exits;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(typed_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *binprm)
{
  last_exec_pid = task->pid;
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(typed_exit, struct task_struct *task)
{
  exits += task->exit_code != 0;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
