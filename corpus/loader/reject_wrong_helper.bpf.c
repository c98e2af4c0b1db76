// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: a socket filter only reads the packet; bpf_skb_store_bytes, which writes it, is for tc
 * programs, so the verifier does not know it for this type ("unknown func bpf_skb_store_bytes#9").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int reject_wrong_helper(struct __sk_buff *skb)
{
  __u32 zero = 0;
  bpf_skb_store_bytes(skb, 0, &zero, sizeof(zero), 0);
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
