// SPDX-License-Identifier: GPL-2.0
/* Feature: a function pointer stored through ld_imm64 (bpf_timer_set_callback) and a map value
 * holding a struct bpf_timer, which needs the map's BTF value type (tracing programs may not use
 * timers, so this is a tc program).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the callback address is a `subprog[+N]`
 * ld_imm64 in the xlated dump. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1

struct delayed {
  struct bpf_timer timer;
  __u64 fired;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct delayed);
} delays SEC(".maps");

static int on_fire(void *map, __u32 *key, struct delayed *value)
{
  value->fired++;
  return 0;
}

SEC("tc")
int arm_timer(struct __sk_buff *skb)
{
  __u32 key = 0;
  struct delayed *value = bpf_map_lookup_elem(&delays, &key);

  if (!value)
    return 0;
  bpf_timer_init(&value->timer, &delays, CLOCK_MONOTONIC);
  bpf_timer_set_callback(&value->timer, on_fire);
  bpf_timer_start(&value->timer, 1000000, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
