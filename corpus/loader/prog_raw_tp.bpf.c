// SPDX-License-Identifier: GPL-2.0
/* Feature: raw tracepoint programs (SEC("raw_tp/...") and SEC("raw_tracepoint/...")) reading their
 * u64 argument array, and a writable raw tracepoint (raw_tp.w).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; on_test_finish is
 * raw_tracepoint_writable. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 wakeups;

SEC("raw_tp/sched_wakeup")
int on_wakeup(struct bpf_raw_tracepoint_args *ctx)
{
  wakeups++;
  return ctx->args[0] != 0;
}

SEC("raw_tracepoint/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
  return ctx->args[1] == 39;
}

SEC("raw_tp.w/bpf_test_finish")
int on_test_finish(struct bpf_raw_tracepoint_args *ctx)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
