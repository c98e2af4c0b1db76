// SPDX-License-Identifier: GPL-2.0
/* Feature: .rodata from `const volatile` globals (a scalar, an array, a struct): libbpf creates the
 * NAME.rodata array map, fills it, freezes it, and the verifier sees constants.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; creates data_rod.rodata (16 bytes, flags
 * 0x480 RDONLY_PROG|MMAPABLE) and freezes it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct limits {
  __u32 min_length;
  __u32 max_length;
};

const volatile __u32 target_port = 8080;
const volatile __u8 allowed_protocols[4] = { 6, 17, 1, 58 };
const volatile struct limits limits = { .min_length = 20, .max_length = 1500 };

SEC("socket")
int filter_by_config(struct __sk_buff *skb)
{
  if (skb->len < limits.min_length || skb->len > limits.max_length)
    return 0;
  for (int i = 0; i < 4; i++)
    if (skb->protocol == allowed_protocols[i])
      return -1;
  return skb->mark == target_port ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
