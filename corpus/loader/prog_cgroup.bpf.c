// SPDX-License-Identifier: GPL-2.0
/* Feature: cgroup programs: cgroup_skb/ingress and /egress (CGROUP_SKB), cgroup/sock_create
 * (CGROUP_SOCK), cgroup/connect4 (CGROUP_SOCK_ADDR), cgroup/sysctl and cgroup/dev.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all six (cgroup_skb, cgroup_sock,
 * cgroup_sock_addr, cgroup_sysctl, cgroup_device). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/ingress")
int allow_in(struct __sk_buff *skb)
{
  return skb->len < 65536;
}

SEC("cgroup_skb/egress")
int allow_out(struct __sk_buff *skb)
{
  return 1;
}

SEC("cgroup/sock_create")
int no_raw_sockets(struct bpf_sock *sk)
{
  return sk->type != 3;
}

SEC("cgroup/connect4")
int rewrite_connect(struct bpf_sock_addr *ctx)
{
  if (ctx->user_port == 0x5000)
    ctx->user_port = 0x5100;
  return 1;
}

SEC("cgroup/sysctl")
int read_only_sysctl(struct bpf_sysctl *ctx)
{
  return !ctx->write;
}

SEC("cgroup/dev")
int no_block_devices(struct bpf_cgroup_dev_ctx *ctx)
{
  return (ctx->access_type & 0xffff) != 1;
}

char LICENSE[] SEC("license") = "GPL";
