// SPDX-License-Identifier: GPL-2.0
/* Feature: longest-prefix-match trie maps (BPF_F_NO_PREALLOC is mandatory), IPv4 and IPv6 keys
 * declared as structs with a prefix length first.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both tries (flags 0x1); clang keeps the
 * IPv6 key initialiser in .rodata, so libbpf also creates map_lpm_.rodata (frozen). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct ipv4_prefix {
  __u32 prefix_length;
  __u32 address;
};

struct ipv6_prefix {
  __u32 prefix_length;
  __u8 address[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1024);
  __type(key, struct ipv4_prefix);
  __type(value, __u32);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} routes4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 64);
  __type(key, struct ipv6_prefix);
  __type(value, __u64);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} routes6 SEC(".maps");

SEC("socket")
int route_lookup(struct __sk_buff *skb)
{
  struct ipv4_prefix key = { .prefix_length = 32, .address = skb->mark };
  struct ipv6_prefix key6 = { .prefix_length = 128 };
  __u32 *hop = bpf_map_lookup_elem(&routes4, &key);

  key6.address[15] = 1;
  if (bpf_map_lookup_elem(&routes6, &key6))
    return 1;
  return hop ? *hop : 0;
}

char LICENSE[] SEC("license") = "GPL";
