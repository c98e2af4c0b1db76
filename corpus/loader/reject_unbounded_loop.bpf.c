// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: the loop's bound comes from the packet length, which the verifier can't bound, so it
 * walks the loop until it gives up: "The sequence of 8193 jumps is too complex" or the 1M-instruction
 * limit, whichever the kernel hits first.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int reject_unbounded_loop(struct __sk_buff *skb)
{
  __u32 sum = 0;
  volatile __u32 limit = skb->len;
  for (__u32 i = 0; i < limit; i++)
    sum += i * skb->protocol;
  return sum;
}

char LICENSE[] SEC("license") = "GPL";
