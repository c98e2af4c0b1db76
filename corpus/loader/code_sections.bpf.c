// SPDX-License-Identifier: GPL-2.0
/* Feature: several programs in one section and several sections: two socket filters and two
 * tracepoint programs in one SEC each, plus xdp; each is its own program named after its function.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all five programs; creates code_sec.bss. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 calls[4];

SEC("socket")
int accept_all(struct __sk_buff *skb)
{
  calls[0]++;
  return -1;
}

SEC("socket")
int accept_none(struct __sk_buff *skb)
{
  calls[1]++;
  return 0;
}

SEC("tp/syscalls/sys_enter_read")
int on_read_one(void *ctx)
{
  calls[2]++;
  return 0;
}

SEC("tp/syscalls/sys_enter_read")
int on_read_two(void *ctx)
{
  calls[3]++;
  return 0;
}

SEC("xdp")
int pass_everything(struct xdp_md *ctx)
{
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
