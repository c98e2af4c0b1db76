// SPDX-License-Identifier: GPL-2.0
/* Feature: func_info and line_info: several functions over many source lines, so the xlated dump
 * shows each function's prototype and the source line of each instruction group.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the xlated dump shows the three function
 * prototypes and the source line before each instruction group. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __noinline int weigh(int length,
                            int protocol)
{
  int weight = length >> 6;

  if (protocol == 6)
    weight += 10;
  else if (protocol == 17)
    weight += 5;
  return weight;
}

static __noinline int decide(int weight)
{
  if (weight > 20)
    return -1;
  return 0;
}

SEC("socket")
int weigh_and_decide(struct __sk_buff *skb)
{
  int weight = weigh(skb->len,
                     skb->protocol);

  return decide(weight);
}

char LICENSE[] SEC("license") = "GPL";
