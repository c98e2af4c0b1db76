/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the packet-counting corpus objects (netlink_counters, link_netkit) share: the UDP port they count
 * (target_port, set before load; default 9, discard), the `packets` array of per-slot counters and the
 * test for an Ethernet frame holding an IPv4 UDP datagram to that port. The includer declares
 * `enum counter` (its slots, COUNTERS last) first.
 */
#ifndef UDP_COUNTING_H
#define UDP_COUNTING_H

#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800

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

#endif
