// SPDX-License-Identifier: GPL-2.0
/* Feature: array-family maps: array, percpu_array, an mmapable array (BPF_F_MMAPABLE), a read-only
 * array from the program side (BPF_F_RDONLY_PROG), a map with numa_node (BPF_F_NUMA_NODE), and
 * max_entries left at 1 by declaring only the value type.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; flags come through as given (on_node0
 * 0x4 NUMA_NODE, settings 0x80 RDONLY_PROG, shared_page 0x400 MMAPABLE); array lookups are inlined
 * by the kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct stats {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, struct stats);
} by_protocol SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, int);
  __type(value, struct stats);
} per_cpu_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 512);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 8);
  __uint(map_flags, BPF_F_MMAPABLE);
} shared_page SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
  __uint(map_flags, BPF_F_RDONLY_PROG);
} settings SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
  __uint(map_flags, BPF_F_NUMA_NODE);
  __uint(numa_node, 0);
} on_node0 SEC(".maps");

SEC("socket")
int account(struct __sk_buff *skb)
{
  __u32 protocol = skb->protocol & 15, zero = 0;
  struct stats *total = bpf_map_lookup_elem(&by_protocol, &protocol);
  struct stats *mine = bpf_map_lookup_elem(&per_cpu_stats, &zero);
  __u32 *limit = bpf_map_lookup_elem(&settings, &zero);
  __u64 *slot = bpf_map_lookup_elem(&shared_page, &zero);

  if (total) {
    __sync_fetch_and_add(&total->packets, 1);
    __sync_fetch_and_add(&total->bytes, skb->len);
  }
  if (mine)
    mine->packets++;
  if (slot)
    *slot = skb->len;
  bpf_map_lookup_elem(&on_node0, &zero);
  return limit && skb->len > *limit ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
