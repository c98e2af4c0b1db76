// SPDX-License-Identifier: GPL-2.0
/* Feature: bpf_loop with a static callback: the callback's address is a BPF_PSEUDO_FUNC ld_imm64
 * that libbpf relocates to the callback's instruction offset.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the kernel inlines both bpf_loop calls;
 * clang puts the state initialiser in .rodata.cst16, which becomes a frozen map of that name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct loop_state {
  __u64 sum;
  __u32 limit;
};

static long add_index(__u32 index, void *data)
{
  struct loop_state *state = data;

  state->sum += index;
  return state->sum > state->limit;
}

static long count_down(__u32 index, void *data)
{
  (*(__u64 *)data)--;
  return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int sum_indices(void *ctx)
{
  struct loop_state state = { .limit = 1000 };
  __u64 remaining = 10;

  bpf_loop(100, add_index, &state, 0);
  bpf_loop(10, count_down, &remaining, 0);
  return state.sum + remaining > 5;
}

char LICENSE[] SEC("license") = "GPL";
