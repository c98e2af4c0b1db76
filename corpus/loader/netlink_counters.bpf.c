// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: XDP and tc (cls_bpf, direct action) programs for the netlink attach tests, each counting the
 * IPv4 UDP datagrams to one port (target_port, set before load; default 9, discard) into its own slot
 * of an array map, so a test can tell which program saw which packets: two XDP programs (ours and "the
 * other one", for replace tests), a tc program for ingress and one for egress. The tc programs return
 * TC_ACT_UNSPEC so the filters after them still run.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_UNSPEC (-1)

enum counter { XDP_PRIMARY, XDP_OTHER, TC_INGRESS, TC_EGRESS, COUNTERS };

#include "udp_counting.h"

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
  if (is_target((void *)(long)ctx->data, (void *)(long)ctx->data_end))
    count(XDP_PRIMARY);
  return XDP_PASS;
}

SEC("xdp")
int xdp_count_other(struct xdp_md *ctx)
{
  if (is_target((void *)(long)ctx->data, (void *)(long)ctx->data_end))
    count(XDP_OTHER);
  return XDP_PASS;
}

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
  if (is_target((void *)(long)skb->data, (void *)(long)skb->data_end))
    count(TC_INGRESS);
  return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
  if (is_target((void *)(long)skb->data, (void *)(long)skb->data_end))
    count(TC_EGRESS);
  return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
