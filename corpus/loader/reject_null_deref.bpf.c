// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: bpf_map_lookup_elem returns NULL when the key is absent, and the program dereferences the
 * result without checking it ("R0 invalid mem access 'map_value_or_null'").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

SEC("socket")
int reject_null_deref(struct __sk_buff *skb)
{
  __u32 key = skb->protocol;
  __u64 *count = bpf_map_lookup_elem(&counts, &key);
  return *count > 10;
}

char LICENSE[] SEC("license") = "GPL";
