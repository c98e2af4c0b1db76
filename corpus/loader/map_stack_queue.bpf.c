// SPDX-License-Identifier: GPL-2.0
/* Feature: keyless maps: a queue and a stack (value only, key_size 0), pushed and popped.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; both maps have key size 0. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 32);
  __type(value, __u32);
} pending SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(max_entries, 8);
  __uint(value_size, 16);
} undo SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int push_pop(void *ctx)
{
  __u32 value = 7;
  char frame[16] = {};

  bpf_map_push_elem(&pending, &value, BPF_ANY);
  if (bpf_map_pop_elem(&pending, &value) == 0)
    bpf_map_push_elem(&undo, frame, BPF_EXIST);
  bpf_map_peek_elem(&undo, frame);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
