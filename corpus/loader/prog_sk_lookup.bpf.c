// SPDX-License-Identifier: GPL-2.0
/* Feature: sk_lookup programs selecting a listening socket from a sockmap by port.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} listener SEC(".maps");

SEC("sk_lookup")
int steer_port_range(struct bpf_sk_lookup *ctx)
{
  __u32 zero = 0;
  struct bpf_sock *sk;
  long err;

  if (ctx->local_port < 7000 || ctx->local_port > 7999)
    return SK_PASS;
  sk = bpf_map_lookup_elem(&listener, &zero);
  if (!sk)
    return SK_DROP;
  err = bpf_sk_assign(ctx, sk, 0);
  bpf_sk_release(sk);
  return err ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
