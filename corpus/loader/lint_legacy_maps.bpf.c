// SPDX-License-Identifier: GPL-2.0
/* Lint error: a legacy struct bpf_map_def in SEC("maps"); libbpf 1.0 and later refuse the object. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct legacy_map_def lint_legacy SEC("maps") = {
  .type = BPF_MAP_TYPE_ARRAY,
  .key_size = 4,
  .value_size = 8,
  .max_entries = 1,
};

SEC("socket")
int lint_legacy_maps(struct __sk_buff *skb)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
