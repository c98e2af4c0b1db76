// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: a netfilter program (6.4+) counting the IPv4 packets of the hook it is linked to and
 * accepting them. libbpf 1.1 via bpftool prog loadall: refused (it predates SEC("netfilter")).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NF_ACCEPT 1

__u64 packets;

SEC("netfilter")
int count_local_out(struct bpf_nf_ctx *ctx)
{
  __sync_fetch_and_add(&packets, 1);
  return NF_ACCEPT;
}

char LICENSE[] SEC("license") = "GPL";
