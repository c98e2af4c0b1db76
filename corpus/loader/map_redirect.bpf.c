// SPDX-License-Identifier: GPL-2.0
/* Feature: XDP redirect maps: devmap (with struct bpf_devmap_val), devmap_hash, cpumap (with
 * struct bpf_cpumap_val) and xskmap, each the target of bpf_redirect_map.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the kernel adds BPF_F_RDONLY_PROG (0x80)
 * to devmap and devmap_hash. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
} ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} ports_by_index SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CPUMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} sockets SEC(".maps");

SEC("xdp")
int spread(struct xdp_md *ctx)
{
  __u32 queue = ctx->rx_queue_index;

  if (queue == 0)
    return bpf_redirect_map(&sockets, queue, XDP_PASS);
  if (queue == 1)
    return bpf_redirect_map(&cpus, 0, 0);
  if (queue == 2)
    return bpf_redirect_map(&ports_by_index, ctx->ingress_ifindex, 0);
  return bpf_redirect_map(&ports, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
