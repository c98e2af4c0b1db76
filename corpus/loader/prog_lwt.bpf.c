// SPDX-License-Identifier: GPL-2.0
/* Feature: lightweight tunnel programs: lwt_in, lwt_out, lwt_xmit and lwt_seg6local.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all four. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("lwt_in")
int tunnel_in(struct __sk_buff *skb)
{
  return skb->len ? BPF_OK : BPF_DROP;
}

SEC("lwt_out")
int tunnel_out(struct __sk_buff *skb)
{
  return BPF_OK;
}

SEC("lwt_xmit")
int tunnel_xmit(struct __sk_buff *skb)
{
  skb->mark = 7;
  return BPF_OK;
}

SEC("lwt_seg6local")
int segment_local(struct __sk_buff *skb)
{
  return BPF_OK;
}

char LICENSE[] SEC("license") = "GPL";
