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
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define TC_ACT_UNSPEC (-1)

enum counter { XDP_PRIMARY, XDP_OTHER, TC_INGRESS, TC_EGRESS, COUNTERS };

const volatile __u16 target_port = 9;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} packets SEC(".maps");

/* Whether [data, data_end) is an Ethernet frame holding an IPv4 UDP datagram to target_port. */
static __always_inline bool is_target(void *data, void *data_end)
{
  struct ethhdr *eth = data;
  struct iphdr *ip = (void *)(eth + 1);
  struct udphdr *udp;

  if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP)
    return false;
  udp = (void *)ip + ip->ihl * 4;
  if ((void *)(udp + 1) > data_end)
    return false;
  return udp->dest == bpf_htons(target_port);
}

static __always_inline void count(__u32 slot)
{
  __u64 *value = bpf_map_lookup_elem(&packets, &slot);

  if (value)
    __sync_fetch_and_add(value, 1);
}

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
