// SPDX-License-Identifier: GPL-2.0
/* Feature: maps of maps: an array_of_maps and a hash_of_maps, each declared with an inner map
 * definition and initialised with `.values` pointing at maps of this object.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; creates each inner-map template only to
 * create the outer map and closes it again, then stores tenant_a/tenant_b/labels_default in the
 * outer maps. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct counter_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
};

struct counter_map tenant_a SEC(".maps");
struct counter_map tenant_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, struct counter_map);
} tenants SEC(".maps") = {
  .values = { [0] = &tenant_a, [3] = &tenant_b },
};

struct label_map {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
};

struct label_map labels_default SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 16);
  __type(key, __u32);
  __array(values, struct label_map);
} labels_by_cgroup SEC(".maps") = {
  .values = { [5] = &labels_default },
};

SEC("socket")
int per_tenant(struct __sk_buff *skb)
{
  __u32 tenant = skb->mark & 3, slot = 0, cgroup = 5;
  void *inner = bpf_map_lookup_elem(&tenants, &tenant);
  __u64 *count;

  if (inner) {
    count = bpf_map_lookup_elem(inner, &slot);
    if (count)
      __sync_fetch_and_add(count, 1);
  }
  inner = bpf_map_lookup_elem(&labels_by_cgroup, &cgroup);
  if (inner && bpf_map_lookup_elem(inner, &slot))
    return 0;
  return -1;
}

char LICENSE[] SEC("license") = "GPL";
