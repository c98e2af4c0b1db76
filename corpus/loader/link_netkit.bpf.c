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

#define NETKIT_NEXT (-1)
#define NETKIT_DROP 2

enum counter { PRIMARY, PEER, DROPPED, PRIMARY_ANY, PEER_ANY, COUNTERS };

/* netkit devices are Ethernet devices in both modes (L3 mode only turns ARP off; the addresses are zero),
 * so skb->data starts at an Ethernet header as on a veth. */
#include "udp_counting.h"

static __always_inline bool skb_is_target(struct __sk_buff *skb)
{
  return is_target((void *)(long)skb->data, (void *)(long)skb->data_end);
}

SEC("netkit/primary")
int netkit_primary(struct __sk_buff *skb)
{
  count(PRIMARY_ANY);
  if (skb_is_target(skb))
    count(PRIMARY);
  return NETKIT_NEXT;
}

SEC("netkit/peer")
int netkit_peer(struct __sk_buff *skb)
{
  count(PEER_ANY);
  if (skb_is_target(skb))
    count(PEER);
  return NETKIT_NEXT;
}

SEC("netkit/peer")
int netkit_drop(struct __sk_buff *skb)
{
  if (!skb_is_target(skb))
    return NETKIT_NEXT;
  count(DROPPED);
  return NETKIT_DROP;
}

char LICENSE[] SEC("license") = "GPL";
