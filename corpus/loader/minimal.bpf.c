// SPDX-License-Identifier: GPL-2.0
/* The smallest loadable object: one socket filter, no maps, no relocations. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int minimal(struct __sk_buff *skb)
{
  return skb->len > 100 ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
