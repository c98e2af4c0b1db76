// SPDX-License-Identifier: GPL-2.0
/* Feature: syscall programs (always sleepable), one calling bpf_sys_bpf to create a map from BPF,
 * one only doing arithmetic on its context.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both (syscall programs are always
 * sleepable). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct map_request {
  __u32 max_entries;
  int map_fd;
};

SEC("syscall")
int create_map(struct map_request *request)
{
  union bpf_attr attr = {};

  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 8;
  attr.max_entries = request->max_entries;
  request->map_fd = bpf_sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
  return 0;
}

SEC("syscall")
int double_it(__u64 *value)
{
  *value *= 2;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
