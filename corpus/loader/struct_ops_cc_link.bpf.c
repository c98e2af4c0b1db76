// SPDX-License-Identifier: GPL-2.0
/* Feature: struct_ops maps attached through BPF links (SEC(".struct_ops.link"), Linux 6.4+): the
 * congestion control of struct_ops_cc.bpf.c, built again with its variable in .struct_ops.link
 * (map created with BPF_F_LINK; registered by BPF_LINK_CREATE with attach type BPF_STRUCT_OPS), and a
 * second map of the same programs under another name for BPF_LINK_UPDATE to swap in. */
#define STRUCT_OPS_SECTION ".struct_ops.link"
#define CC_NAME "tsbpf_cc_link"
#define CC_VARIABLE tsbpf_cc_link
#include "struct_ops_cc.bpf.c"

SEC(".struct_ops.link")
struct tcp_congestion_ops tsbpf_cc_swap = {
  .init = (void *)tsbpf_init,
  .ssthresh = (void *)tsbpf_ssthresh,
  .cong_avoid = (void *)tsbpf_cong_avoid,
  .undo_cwnd = (void *)tsbpf_undo_cwnd,
  .name = "tsbpf_cc_swap",
};
