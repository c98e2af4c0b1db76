// SPDX-License-Identifier: GPL-2.0
/* Feature: tracepoint programs in SEC("tp/...") and SEC("tracepoint/...") forms, reading a typed
 * tracepoint context struct from vmlinux.h.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both as tracepoint programs (tracefs is
 * not needed to load). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 last_new_pid;

SEC("tracepoint/sched/sched_process_fork")
int on_fork(struct trace_event_raw_sched_process_fork *ctx)
{
  last_new_pid = ctx->child_pid;
  return 0;
}

SEC("tp/syscalls/sys_enter_kill")
int on_kill(struct trace_event_raw_sys_enter *ctx)
{
  return ctx->args[1] == 9;
}

char LICENSE[] SEC("license") = "GPL";
