// SPDX-License-Identifier: GPL-2.0
/* Lint: nothing to say. A tracepoint with its target, a socket filter, a GPL license, a static helper in .text. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __noinline int double_it(int value)
{
  return value * 2;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int lint_clean_tp(void *ctx)
{
  bpf_printk("openat");
  return 0;
}

SEC("socket")
int lint_clean_socket(struct __sk_buff *skb)
{
  return double_it(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
