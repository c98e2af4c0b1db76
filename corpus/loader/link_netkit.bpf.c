// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: netkit programs (SEC("netkit/primary"), SEC("netkit/peer"): SCHED_CLS with expected attach
 * type BPF_NETKIT_PRIMARY/PEER, libbpf >= 1.3). Each counts the IPv4 UDP datagrams to target_port its
 * side transmits into its own slot (and every packet into another) and returns NETKIT_NEXT, so the
 * device's policy decides; a third program drops them instead, for the link update test.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: libbpf 1.1 does not know netkit/ sections and refuses
 * the object.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define NETKIT_NEXT (-1)
#define NETKIT_DROP 2

enum counter { PRIMARY, PEER, DROPPED, PRIMARY_ANY, PEER_ANY, COUNTERS };

const volatile __u16 target_port = 9;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} packets SEC(".maps");

/*
 * Whether the skb holds an IPv4 UDP datagram to target_port. netkit devices are Ethernet devices in both
 * modes (L3 mode only turns ARP off, so the addresses are zero): skb->data starts at the Ethernet header.
 */
static __always_inline bool is_target(struct __sk_buff *skb)
{
  void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
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

SEC("netkit/primary")
int netkit_primary(struct __sk_buff *skb)
{
  count(PRIMARY_ANY);
  if (is_target(skb))
    count(PRIMARY);
  return NETKIT_NEXT;
}

SEC("netkit/peer")
int netkit_peer(struct __sk_buff *skb)
{
  count(PEER_ANY);
  if (is_target(skb))
    count(PEER);
  return NETKIT_NEXT;
}

SEC("netkit/peer")
int netkit_drop(struct __sk_buff *skb)
{
  if (!is_target(skb))
    return NETKIT_NEXT;
  count(DROPPED);
  return NETKIT_DROP;
}

char LICENSE[] SEC("license") = "GPL";
