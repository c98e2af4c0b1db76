// SPDX-License-Identifier: GPL-2.0
/* Lint error: a static function in a program section; libbpf refuses static programs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
__attribute__((used)) static int lint_static(struct __sk_buff *skb)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
