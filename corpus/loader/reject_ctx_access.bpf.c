// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: a tracepoint's context is the tracepoint's record, which the program may read but never
 * write; this stores into it ("invalid bpf_context access").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int reject_ctx_access(struct trace_event_raw_sys_enter *ctx)
{
  ctx->args[1] = 0;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
