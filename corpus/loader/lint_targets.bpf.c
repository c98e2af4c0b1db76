// SPDX-License-Identifier: GPL-2.0
/*
 * Lint notes and a warning, no error (libbpf loads all of it): "?socket" has autoload off, a bare
 * "raw_tp" loads but auto-attach skips it, and "tp/sys_enter_openat" lacks the CATEGORY/ part.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("?socket")
int lint_autoload_off(struct __sk_buff *skb)
{
  return 0;
}

SEC("raw_tp")
int lint_bare_raw_tp(void *ctx)
{
  return 0;
}

SEC("tp/sys_enter_openat")
int lint_one_part_tp(void *ctx)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
