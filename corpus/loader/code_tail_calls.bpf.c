// SPDX-License-Identifier: GPL-2.0
/* Feature: tail calls from a subprogram and a chain of socket filters through a prog_array filled
 * by `.values`, with a .bss counter shared across the chain.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; fills slot 1 of chain with last_hop. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u32 hops;

SEC("socket")
int last_hop(struct __sk_buff *skb)
{
  hops++;
  return -1;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __uint(key_size, sizeof(__u32));
  __array(values, int (struct __sk_buff *));
} chain SEC(".maps") = {
  .values = { [1] = (void *)&last_hop },
};

static __noinline int jump(struct __sk_buff *skb, __u32 slot)
{
  bpf_tail_call(skb, &chain, slot);
  return 0;
}

SEC("socket")
int middle_hop(struct __sk_buff *skb)
{
  hops++;
  return jump(skb, 1);
}

SEC("socket")
int first_hop(struct __sk_buff *skb)
{
  hops = 0;
  return jump(skb, 0);
}

char LICENSE[] SEC("license") = "GPL";
