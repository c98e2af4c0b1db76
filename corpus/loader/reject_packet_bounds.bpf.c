// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: XDP may read the packet only after comparing the pointer with data_end; this reads the
 * Ethernet protocol without that check ("invalid access to packet").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int reject_packet_bounds(struct xdp_md *ctx)
{
  struct ethhdr *eth = (void *)(long)ctx->data;
  return eth->h_proto == 0x0008 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
