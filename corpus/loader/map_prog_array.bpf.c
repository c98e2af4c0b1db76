// SPDX-License-Identifier: GPL-2.0
/* Feature: a prog_array initialised with `.values` (slots 0 and 2 point at programs in this object,
 * slot 1 stays empty) and the tail calls that use it.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads the three programs, then fills slots 0
 * and 2 of stages with their fds. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int stage_pass(struct xdp_md *ctx)
{
  return XDP_PASS;
}

SEC("xdp")
int stage_drop(struct xdp_md *ctx)
{
  return XDP_DROP;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __array(values, int (void *));
} stages SEC(".maps") = {
  .values = {
    [0] = (void *)&stage_pass,
    [2] = (void *)&stage_drop,
  },
};

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
  __u32 size = ctx->data_end - ctx->data;

  bpf_tail_call(ctx, &stages, size & 1 ? 2 : 0);
  return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
