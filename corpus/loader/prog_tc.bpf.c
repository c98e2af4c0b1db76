// SPDX-License-Identifier: GPL-2.0
/* Feature: traffic control programs: SEC("tc") and SEC("classifier") (SCHED_CLS) and SEC("action")
 * (SCHED_ACT), using skb helpers.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads: two sched_cls, one sched_act. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

SEC("tc")
int mark_packets(struct __sk_buff *skb)
{
  skb->mark = 0x42;
  return TC_ACT_OK;
}

SEC("classifier")
int drop_small(struct __sk_buff *skb)
{
  __u8 first;

  if (bpf_skb_load_bytes(skb, 0, &first, 1) < 0)
    return TC_ACT_SHOT;
  return skb->len < 64 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("action")
int set_priority(struct __sk_buff *skb)
{
  skb->priority = 3;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
