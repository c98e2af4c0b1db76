// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: the program reads 8 bytes at an offset the verifier knows is past the end of the 64-byte
 * map value ("invalid access to map value"). The index is checked against 64 bytes, not 64 / 8 words.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64[8]);
} values SEC(".maps");

SEC("socket")
int reject_map_oob(struct __sk_buff *skb)
{
  __u32 key = 0;
  __u64 *words = bpf_map_lookup_elem(&values, &key);
  if (!words)
    return 0;
  __u32 index = skb->len & 63;
  return words[index];
}

char LICENSE[] SEC("license") = "GPL";
