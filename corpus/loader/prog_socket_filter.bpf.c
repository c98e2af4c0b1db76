// SPDX-License-Identifier: GPL-2.0
/* Feature: socket filter programs reading packets with the legacy ld_abs instructions (load_byte,
 * load_half) and with bpf_skb_load_bytes.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all three; the kernel rewrites each ld_abs
 * load into a call to bpf_skb_load_helper_8/16_no_cache in the xlated dump. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

SEC("socket")
int only_tcp(struct __sk_buff *skb)
{
  return load_byte(skb, 14 + 9) == 6 ? -1 : 0;
}

SEC("socket")
int only_ipv4(struct __sk_buff *skb)
{
  return load_half(skb, 12) == 0x0800 ? -1 : 0;
}

SEC("socket")
int only_long(struct __sk_buff *skb)
{
  __u16 ethertype;

  if (bpf_skb_load_bytes(skb, 12, &ethertype, sizeof(ethertype)) < 0)
    return 0;
  return ethertype && skb->len > 1000 ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
