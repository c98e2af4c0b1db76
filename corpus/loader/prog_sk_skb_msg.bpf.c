// SPDX-License-Identifier: GPL-2.0
/* Feature: sk_skb stream parser and verdict programs, a bare sk_skb program and an sk_msg program
 * that only inspects and passes.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all four. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("sk_skb/stream_parser")
int parse_record(struct __sk_buff *skb)
{
  return skb->len;
}

SEC("sk_skb/stream_verdict")
int pass_record(struct __sk_buff *skb)
{
  return SK_PASS;
}

SEC("sk_skb")
int bare_skb(struct __sk_buff *skb)
{
  return skb->len > 0 ? SK_PASS : SK_DROP;
}

SEC("sk_msg")
int pass_message(struct sk_msg_md *msg)
{
  return msg->size > 65536 ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
