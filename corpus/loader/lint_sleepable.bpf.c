// SPDX-License-Identifier: GPL-2.0
/* Lint error: socket filters never sleep, so libbpf has no "socket.s" and refuses the program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket.s")
int lint_sleepable(struct __sk_buff *skb)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
