// SPDX-License-Identifier: GPL-2.0
/* Feature: the `?` autoload prefix: SEC("?tp/...") and SEC("?socket") programs are not loaded by
 * default, the unmarked ones are; the maps they share are still created.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads eager_dup only, but bpftool 7.1 then pins
 * every program and libbpf 1.1 will not pin one it did not load ("can't pin program that wasn't
 * loaded"): the oracle sees a refusal. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

static void bump(__u32 index)
{
  __u64 *count = bpf_map_lookup_elem(&counts, &index);

  if (count)
    __sync_fetch_and_add(count, 1);
}

SEC("?tp/syscalls/sys_enter_close")
int lazy_close(void *ctx)
{
  bump(0);
  return 0;
}

SEC("?socket")
int lazy_socket(struct __sk_buff *skb)
{
  bump(1);
  return 0;
}

SEC("tp/syscalls/sys_enter_dup")
int eager_dup(void *ctx)
{
  bump(1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
