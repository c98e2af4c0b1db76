// SPDX-License-Identifier: GPL-2.0
/* Feature: struct_ops maps (SEC(".struct_ops")): a TCP congestion control written in BPF and
 * registered as "tsbpf_cc". The variable `tsbpf_cc` of type struct tcp_congestion_ops is one
 * struct_ops map; the relocations of .struct_ops point its function-pointer members at the
 * SEC("struct_ops/...") programs below. Each program loads with attach_btf_id = the kernel's
 * tcp_congestion_ops and expected_attach_type = the index of the member it fills.
 *
 * The algorithm is Reno's, as the kernel documents it (net/ipv4/tcp_cong.c): slow start doubles the
 * window per round trip up to ssthresh, congestion avoidance adds one segment per window of acked
 * segments, a loss halves the window (never below 2), an undo restores the window before the loss.
 * (The kernel's Reno also stops growing a window the sender does not fill; that check reads a
 * bitfield and is left out here.) init and cong_avoid count their calls in .bss for the tests.
 *
 * STRUCT_OPS_SECTION and CC_NAME let struct_ops_cc_link.bpf.c build the .struct_ops.link flavour
 * from this same source. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef STRUCT_OPS_SECTION
#define STRUCT_OPS_SECTION ".struct_ops"
#endif
#ifndef CC_NAME
#define CC_NAME "tsbpf_cc"
#endif
#ifndef CC_VARIABLE
#define CC_VARIABLE tsbpf_cc
#endif

__u64 init_calls;
__u64 cong_avoid_calls;
__u64 acked_segments;
__u64 ssthresh_calls;

static struct tcp_sock *tcp_of(struct sock *sk)
{
  return (struct tcp_sock *)sk;
}

static __u32 min_u32(__u32 a, __u32 b)
{
  return a < b ? a : b;
}

SEC("struct_ops/tsbpf_init")
void BPF_PROG(tsbpf_init, struct sock *sk)
{
  __sync_fetch_and_add(&init_calls, 1);
}

SEC("struct_ops/tsbpf_ssthresh")
__u32 BPF_PROG(tsbpf_ssthresh, struct sock *sk)
{
  const struct tcp_sock *tp = tcp_of(sk);
  __u32 half = tp->snd_cwnd >> 1;

  __sync_fetch_and_add(&ssthresh_calls, 1);
  return half > 2 ? half : 2;
}

SEC("struct_ops/tsbpf_undo_cwnd")
__u32 BPF_PROG(tsbpf_undo_cwnd, struct sock *sk)
{
  const struct tcp_sock *tp = tcp_of(sk);

  return tp->snd_cwnd > tp->prior_cwnd ? tp->snd_cwnd : tp->prior_cwnd;
}

SEC("struct_ops/tsbpf_cong_avoid")
void BPF_PROG(tsbpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
  struct tcp_sock *tp = tcp_of(sk);
  __u32 cwnd = tp->snd_cwnd;
  __u32 clamp = tp->snd_cwnd_clamp;

  __sync_fetch_and_add(&cong_avoid_calls, 1);
  __sync_fetch_and_add(&acked_segments, acked);

  if (cwnd < tp->snd_ssthresh) {
    /* slow start: one segment per segment acked, up to ssthresh; the rest of `acked` goes on */
    __u32 grown = min_u32(cwnd + acked, tp->snd_ssthresh);

    acked -= grown - cwnd;
    cwnd = min_u32(grown, clamp);
    tp->snd_cwnd = cwnd;
    if (!acked)
      return;
  }
  /* congestion avoidance: one segment per cwnd segments acked */
  if (cwnd == 0)
    return;
  if (tp->snd_cwnd_cnt >= cwnd) {
    tp->snd_cwnd_cnt = 0;
    cwnd++;
  }
  tp->snd_cwnd_cnt += acked;
  if (tp->snd_cwnd_cnt >= cwnd) {
    __u32 delta = tp->snd_cwnd_cnt / cwnd;

    tp->snd_cwnd_cnt -= delta * cwnd;
    cwnd += delta;
  }
  tp->snd_cwnd = min_u32(cwnd, clamp);
}

SEC(STRUCT_OPS_SECTION)
struct tcp_congestion_ops CC_VARIABLE = {
  .init = (void *)tsbpf_init,
  .ssthresh = (void *)tsbpf_ssthresh,
  .cong_avoid = (void *)tsbpf_cong_avoid,
  .undo_cwnd = (void *)tsbpf_undo_cwnd,
  .name = CC_NAME,
};

char LICENSE[] SEC("license") = "GPL";
