// SPDX-License-Identifier: GPL-2.0
/* Feature: struct_ops maps attached through BPF links (SEC(".struct_ops.link"), Linux 6.4+): the
 * congestion control of struct_ops_cc.bpf.c, built again with its variable in .struct_ops.link
 * (map created with BPF_F_LINK; registered by BPF_LINK_CREATE with attach type BPF_STRUCT_OPS).
 * tsbpf_cc_swap is a second map for BPF_LINK_UPDATE to swap in: the kernel replaces a registered
 * congestion control only with one of the same name, so it has the same name and differs in its
 * init, which counts in swap_init_calls instead. */
#define STRUCT_OPS_SECTION ".struct_ops.link"
#define CC_NAME "tsbpf_cc_link"
#define CC_VARIABLE tsbpf_cc_link
#include "struct_ops_cc.bpf.c"

__u64 swap_init_calls;

SEC("struct_ops/tsbpf_init_swap")
void BPF_PROG(tsbpf_init_swap, struct sock *sk)
{
  __sync_fetch_and_add(&swap_init_calls, 1);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops tsbpf_cc_swap = {
  .init = (void *)tsbpf_init_swap,
  .ssthresh = (void *)tsbpf_ssthresh,
  .cong_avoid = (void *)tsbpf_cong_avoid,
  .undo_cwnd = (void *)tsbpf_undo_cwnd,
  .name = CC_NAME,
};
