// SPDX-License-Identifier: GPL-2.0
/* Feature: a legacy map definition, `struct bpf_map_def` in SEC("maps"), which libbpf 1.0 dropped.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: refuses to open the object ("legacy map
 * definitions in 'maps' section are not supported by libbpf v1.0+"). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* libbpf 1.x headers no longer declare it: the old five-field layout. */
struct legacy_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct legacy_map_def old_counts SEC("maps") = {
  .type = BPF_MAP_TYPE_ARRAY,
  .key_size = sizeof(__u32),
  .value_size = sizeof(__u64),
  .max_entries = 4,
};

SEC("socket")
int use_legacy(struct __sk_buff *skb)
{
  __u32 key = 0;

  return bpf_map_lookup_elem(&old_counts, &key) ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
