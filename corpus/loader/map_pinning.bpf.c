// SPDX-License-Identifier: GPL-2.0
/* Feature: pinning = LIBBPF_PIN_BY_NAME: libbpf pins the map under its pin root (default
 * /sys/fs/bpf/NAME) or reuses a compatible pin already there; the other map is not pinned.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: pins tsbpf_oracle_pinned at
 * /sys/fs/bpf/tsbpf_oracle_pinned (or reuses a compatible pin there); bpftool's `pinmaps` then
 * fails on it ("already has pin path"), so the oracle loads it again without `pinmaps`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tsbpf_oracle_pinned SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_NONE);
} not_pinned SEC(".maps");

SEC("socket")
int use_pinned(struct __sk_buff *skb)
{
  __u32 key = skb->ifindex;

  bpf_map_lookup_elem(&not_pinned, &key);
  return bpf_map_lookup_elem(&tsbpf_oracle_pinned, &key) ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
