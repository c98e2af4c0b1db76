// SPDX-License-Identifier: GPL-2.0
/* Feature: static bpf-to-bpf subprograms three levels deep, one subprogram shared by two programs
 * in different sections (libbpf appends a copy of it to each program).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; each program gets its own copy of
 * shared_decision, bucket_of and mix (xlated shows `call pc+N`). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __noinline __u32 mix(__u32 value)
{
  return value * 2654435761u;
}

static __noinline __u32 bucket_of(__u32 value, __u32 buckets)
{
  return mix(value) % buckets;
}

static __noinline int shared_decision(__u32 length)
{
  return bucket_of(length, 7) == 3 ? 0 : -1;
}

SEC("socket")
int sample_socket(struct __sk_buff *skb)
{
  return shared_decision(skb->len);
}

SEC("xdp")
int sample_xdp(struct xdp_md *ctx)
{
  return shared_decision(ctx->data_end - ctx->data) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
