// SPDX-License-Identifier: GPL-2.0
/* Feature: custom data sections: SEC(".data.counters"), SEC(".data.flags"), SEC(".rodata.table"),
 * each its own array map named after the section; the .rodata.* one is frozen.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; creates .data.counters, .data.flags and
 * .rodata.table (frozen), named after their sections. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 hits SEC(".data.counters") = 0;
__u64 misses SEC(".data.counters") = 0;
__u32 tracing_enabled SEC(".data.flags") = 1;
const volatile __u16 port_table[4] SEC(".rodata.table") = { 22, 80, 443, 8080 };

SEC("socket")
int classify(struct __sk_buff *skb)
{
  if (!tracing_enabled)
    return -1;
  for (int i = 0; i < 4; i++) {
    if (skb->mark == port_table[i]) {
      __sync_fetch_and_add(&hits, 1);
      return -1;
    }
  }
  __sync_fetch_and_add(&misses, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
