// SPDX-License-Identifier: GPL-2.0
/* Feature: hash-family maps (hash, percpu_hash, lru_hash, lru_percpu_hash), key/value declared by
 * type and by size, map_flags (BPF_F_NO_PREALLOC, BPF_F_ZERO_SEED).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all five maps as declared (sized_hash
 * flags 0x41 NO_PREALLOC|ZERO_SEED, recent_per_cpu 0x2 NO_COMMON_LRU). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct flow_key {
  __u32 saddr;
  __u32 daddr;
  __u16 sport;
  __u16 dport;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, struct flow_key);
  __type(value, __u64);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __uint(key_size, 4);
  __uint(value_size, 16);
  __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED);
} sized_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 32);
  __type(key, __u32);
  __type(value, __u64);
} per_cpu_counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 256);
  __type(key, __u64);
  __type(value, __u32);
} recent SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u32);
  __uint(map_flags, BPF_F_NO_COMMON_LRU);
} recent_per_cpu SEC(".maps");

SEC("socket")
int count_flows(struct __sk_buff *skb)
{
  struct flow_key key = { .saddr = skb->mark, .daddr = skb->ifindex };
  __u64 one = 1, *seen = bpf_map_lookup_elem(&flows, &key);
  __u32 small = skb->len;
  __u64 *count;

  if (seen)
    __sync_fetch_and_add(seen, 1);
  else
    bpf_map_update_elem(&flows, &key, &one, BPF_NOEXIST);
  count = bpf_map_lookup_elem(&per_cpu_counts, &small);
  if (count)
    *count += 1;
  bpf_map_lookup_elem(&sized_hash, &small);
  bpf_map_update_elem(&recent, &one, &small, BPF_ANY);
  bpf_map_delete_elem(&recent_per_cpu, &small);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
