// SPDX-License-Identifier: GPL-2.0
/* Feature: struct_ops values matched to the kernel's struct by member name (as libbpf does):
 * - tsbpf_cc_flavour: a struct of our own, `tcp_congestion_ops___tsbpf` (the ___ suffix is dropped
 *   to find the kernel's tcp_congestion_ops), with its members in another order and one member the
 *   kernel lacks, left zero: it loads and registers as "tsbpf_cc_flv".
 * - tsbpf_cc_extra: the same with the extra member set non-zero: the loader must refuse it.
 * - tsbpf_missing: a struct no kernel has (struct tsbpf_no_such_ops): the loader must refuse it.
 * The tests load one variable at a time (they drop the others from the spec before load). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct tcp_congestion_ops___tsbpf {
  char name[16];
  __u32 tsbpf_extra;
  __u32 (*undo_cwnd)(struct sock *sk);
  void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
  __u32 (*ssthresh)(struct sock *sk);
};

struct tsbpf_no_such_ops {
  int (*run)(void);
  char name[16];
};

SEC("struct_ops/flavour_ssthresh")
__u32 BPF_PROG(flavour_ssthresh, struct sock *sk)
{
  const struct tcp_sock *tp = (struct tcp_sock *)sk;

  return tp->snd_cwnd > 4 ? tp->snd_cwnd >> 1 : 2;
}

SEC("struct_ops/flavour_undo_cwnd")
__u32 BPF_PROG(flavour_undo_cwnd, struct sock *sk)
{
  return ((struct tcp_sock *)sk)->snd_cwnd;
}

/* a fixed window: enough for registration, which is what this object tests */
SEC("struct_ops/flavour_cong_avoid")
void BPF_PROG(flavour_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/missing_run")
int BPF_PROG(missing_run)
{
  return 0;
}

SEC(".struct_ops")
struct tcp_congestion_ops___tsbpf tsbpf_cc_flavour = {
  .name = "tsbpf_cc_flv",
  .undo_cwnd = (void *)flavour_undo_cwnd,
  .cong_avoid = (void *)flavour_cong_avoid,
  .ssthresh = (void *)flavour_ssthresh,
};

SEC(".struct_ops")
struct tcp_congestion_ops___tsbpf tsbpf_cc_extra = {
  .name = "tsbpf_cc_extra",
  .tsbpf_extra = 1,
  .undo_cwnd = (void *)flavour_undo_cwnd,
  .cong_avoid = (void *)flavour_cong_avoid,
  .ssthresh = (void *)flavour_ssthresh,
};

SEC(".struct_ops")
struct tsbpf_no_such_ops tsbpf_missing = {
  .run = (void *)missing_run,
  .name = "tsbpf_missing",
};

char LICENSE[] SEC("license") = "GPL";
