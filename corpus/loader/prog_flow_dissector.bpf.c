// SPDX-License-Identifier: GPL-2.0
/* Feature: a flow_dissector program filling struct bpf_flow_keys from packet data.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
  struct bpf_flow_keys *keys = skb->flow_keys;
  __u8 protocol;

  if (bpf_skb_load_bytes(skb, keys->nhoff + 9, &protocol, 1) < 0)
    return BPF_DROP;
  keys->ip_proto = protocol;
  keys->thoff = keys->nhoff + 20;
  return BPF_OK;
}

char LICENSE[] SEC("license") = "GPL";
