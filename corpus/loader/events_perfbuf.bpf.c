// SPDX-License-Identifier: GPL-2.0
/* Producer for the perf buffer reader's tests and the perfbuf benchmark: a raw_tp program run with
 * BPF_PROG_TEST_RUN (on a chosen CPU with BPF_F_TEST_RUN_ON_CPU) that emits args[0] samples numbered
 * from args[2] into a perf event array with bpf_perf_event_output(BPF_F_CURRENT_CPU). args[1] picks
 * the size: 0 for 64-byte events, 1 for 8..64 bytes (8 + (seq % 8) * 8), so records straddle the
 * ring's end. Returns how many the kernel accepted; the rest it counts as lost (PERF_RECORD_LOST).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
  __u64 seq;
  __u64 cpu;
  __u64 filler[6];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} samples SEC(".maps");

struct produce_state {
  void *ctx;
  __u64 next;
  __u64 variable;
  __u64 cpu;
  __u64 accepted;
};

static long produce_one(__u32 index, void *data)
{
  struct produce_state *state = data;
  struct event event = {};
  __u64 seq = state->next;
  __u32 size = sizeof(event);

  event.seq = seq;
  event.cpu = state->cpu;
  event.filler[5] = ~seq;
  if (state->variable)
    size = 8 + (seq % 8) * 8;
  if (bpf_perf_event_output(state->ctx, &samples, BPF_F_CURRENT_CPU, &event, size) == 0)
    state->accepted++;
  state->next = seq + 1;
  return 0;
}

SEC("raw_tp")
int produce(struct bpf_raw_tracepoint_args *ctx)
{
  struct produce_state state = {
    .ctx = ctx,
    .next = ctx->args[2],
    .variable = ctx->args[1],
    .cpu = bpf_get_smp_processor_id(),
  };

  bpf_loop(ctx->args[0], produce_one, &state, 0);
  return state.accepted;
}

char LICENSE[] SEC("license") = "GPL";
