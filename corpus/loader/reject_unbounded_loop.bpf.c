// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: a loop that never changes the program's state can't end, and the verifier says so as soon
 * as it sees the same state at the same instruction twice ("infinite loop detected"). (A loop bounded by
 * an unbounded value is refused too, but only after the verifier walks a million instructions.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int reject_unbounded_loop(struct __sk_buff *skb)
{
  if (skb->len > 10)
    for (;;) {}
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
