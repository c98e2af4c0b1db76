// SPDX-License-Identifier: GPL-2.0
/* Lint error: no license section at all, and bpf_printk (bpf_trace_printk) is GPL-only. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int lint_no_license(void *ctx)
{
  bpf_printk("no license");
  return 0;
}
