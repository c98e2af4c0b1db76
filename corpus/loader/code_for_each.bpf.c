// SPDX-License-Identifier: GPL-2.0
/* Feature: bpf_for_each_map_elem over a hash and an array map with callbacks that read the map,
 * key, value and a context on the stack.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; both callbacks are appended to the
 * program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 32);
  __type(key, __u32);
  __type(value, __u64);
} weights SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} thresholds SEC(".maps");

struct walk {
  __u64 total;
  __u32 visited;
};

static long add_weight(struct bpf_map *map, __u32 *key, __u64 *value, struct walk *walk)
{
  walk->total += *value;
  walk->visited = 1;
  return 0;
}

static long stop_at_zero(struct bpf_map *map, __u32 *key, __u32 *value, struct walk *walk)
{
  return *value == 0;
}

SEC("tp/syscalls/sys_enter_getuid")
int walk_maps(void *ctx)
{
  struct walk walk = {};

  bpf_for_each_map_elem(&weights, add_weight, &walk, 0);
  bpf_for_each_map_elem(&thresholds, stop_at_zero, &walk, 0);
  return walk.total > walk.visited;
}

char LICENSE[] SEC("license") = "GPL";
