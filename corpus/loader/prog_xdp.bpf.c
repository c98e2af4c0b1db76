// SPDX-License-Identifier: GPL-2.0
/* Feature: XDP programs: plain SEC("xdp") parsing an Ethernet header, SEC("xdp.frags") (the
 * BPF_F_XDP_HAS_FRAGS flag) reading the whole length, and an xdp/devmap program.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all three (big_packets with
 * BPF_F_XDP_HAS_FRAGS, on_egress with expected attach type XDP_DEVMAP). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int drop_ipv6(struct xdp_md *ctx)
{
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;

  if ((void *)(eth + 1) > data_end)
    return XDP_PASS;
  return eth->h_proto == bpf_htons(0x86DD) ? XDP_DROP : XDP_PASS;
}

SEC("xdp.frags")
int big_packets(struct xdp_md *ctx)
{
  return bpf_xdp_get_buff_len(ctx) > 9000 ? XDP_DROP : XDP_PASS;
}

SEC("xdp/devmap")
int on_egress(struct xdp_md *ctx)
{
  return ctx->egress_ifindex ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
