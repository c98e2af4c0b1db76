// SPDX-License-Identifier: GPL-2.0
/* Feature: bloom filter maps: keyless, map_extra holds the number of hash functions; one filter
 * leaves map_extra at 0 (the kernel's default of 5 hashes).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; key size 0 (bpftool does not show
 * map_extra). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __uint(max_entries, 1000);
  __type(value, __u64);
  __uint(map_extra, 3);
} seen_cookies SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __uint(max_entries, 100);
  __uint(value_size, 4);
} seen_ports SEC(".maps");

SEC("socket")
int probably_seen(struct __sk_buff *skb)
{
  __u64 cookie = bpf_get_socket_cookie(skb);
  __u32 port = skb->ifindex;

  if (bpf_map_peek_elem(&seen_cookies, &cookie) == 0)
    return 0;
  bpf_map_push_elem(&seen_cookies, &cookie, BPF_ANY);
  bpf_map_push_elem(&seen_ports, &port, BPF_ANY);
  return -1;
}

char LICENSE[] SEC("license") = "GPL";
