// SPDX-License-Identifier: GPL-2.0
/* Feature: .data (initialised globals) and .bss (zeroed globals) including arrays and structs:
 * libbpf creates NAME.data and NAME.bss array maps (not frozen) with the initial bytes.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; creates data_dat.data and data_dat.bss
 * (flags 0x400 MMAPABLE, not frozen). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct totals {
  __u64 packets;
  __u64 bytes;
  __u32 largest;
};

__u64 packets_seen = 100;
__u32 histogram[8] = { 1, 2, 3 };
struct totals totals;
__u64 drops[4];
char last_comm[16];

SEC("socket")
int tally(struct __sk_buff *skb)
{
  __u32 bucket = skb->len >> 8;

  packets_seen++;
  if (bucket < 8)
    histogram[bucket]++;
  totals.packets++;
  totals.bytes += skb->len;
  if (skb->len > totals.largest)
    totals.largest = skb->len;
  drops[skb->len & 3]++;
  last_comm[0] = 'x';
  return -1;
}

char LICENSE[] SEC("license") = "GPL";
