// SPDX-License-Identifier: GPL-2.0
/* Feature: global (non-static) subprograms, which the verifier checks on their own against their
 * BTF prototype, calling a static one and another global one.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; score and scaled are verified as global
 * functions. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __noinline int clamp(int value, int low, int high)
{
  return value < low ? low : value > high ? high : value;
}

__noinline int scaled(int value)
{
  return clamp(value, 0, 100) * 3;
}

__noinline int score(struct __sk_buff *skb)
{
  if (!skb)
    return 0;
  return scaled(skb->len) + scaled(skb->protocol);
}

SEC("socket")
int score_packet(struct __sk_buff *skb)
{
  return score(skb) > 200 ? -1 : 0;
}

SEC("socket")
int score_twice(struct __sk_buff *skb)
{
  return score(skb) + scaled(1);
}

char LICENSE[] SEC("license") = "GPL";
