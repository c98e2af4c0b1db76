// SPDX-License-Identifier: GPL-2.0
/* Feature: socket maps: sockmap and sockhash, used by sk_msg and sk_skb verdict programs for
 * redirection.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both programs and maps. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} socket_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SOCKHASH);
  __uint(max_entries, 16);
  __uint(key_size, 8);
  __uint(value_size, 4);
} socket_by_cookie SEC(".maps");

SEC("sk_msg")
int redirect_message(struct sk_msg_md *msg)
{
  __u64 cookie = msg->local_port;

  return bpf_msg_redirect_hash(msg, &socket_by_cookie, &cookie, BPF_F_INGRESS);
}

SEC("sk_skb/stream_verdict")
int redirect_stream(struct __sk_buff *skb)
{
  return bpf_sk_redirect_map(skb, &socket_slots, skb->len & 15, 0);
}

char LICENSE[] SEC("license") = "GPL";
