// SPDX-License-Identifier: GPL-2.0
/* Feature: the remaining map types a program can declare: stack_trace (value_size by size),
 * cgroup_array (used by a tc program), reuseport_sockarray and cgroup_storage (keyed by struct bpf_cgroup_storage_key).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all three programs and four maps;
 * cgroup_storage has max_entries 0. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 128);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} watched_cgroups SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} reuse_group SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
  __type(key, struct bpf_cgroup_storage_key);
  __type(value, __u64);
} cgroup_packets SEC(".maps");

SEC("cgroup_skb/ingress")
int cgroup_count(struct __sk_buff *skb)
{
  __u64 *packets = bpf_get_local_storage(&cgroup_packets, 0);

  __sync_fetch_and_add(packets, 1);
  return 1;
}

SEC("tc")
int in_watched_cgroup(struct __sk_buff *skb)
{
  return bpf_skb_under_cgroup(skb, &watched_cgroups, 0) == 1 ? 2 : 0;
}

SEC("tp/sched/sched_switch")
int sample_stack(void *ctx)
{
  return bpf_get_stackid(ctx, &stacks, 0) < 0;
}

char LICENSE[] SEC("license") = "GPL";
