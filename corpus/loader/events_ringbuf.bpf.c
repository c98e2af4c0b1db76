// SPDX-License-Identifier: GPL-2.0
/* Producer for the ring buffer reader's tests and the ringbuf benchmark: a raw_tp program run with
 * BPF_PROG_TEST_RUN (on a chosen CPU with BPF_F_TEST_RUN_ON_CPU) that emits up to args[0] records
 * numbered from args[2] with bpf_loop, in the way args[1] picks. It stops at the first record the
 * ring has no room for and returns how many it emitted, so a caller that resumes from there produces
 * at the consumer's pace and loses nothing. Every 64th record wakes the reader, the others don't.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
  __u64 seq;
  __u64 cpu;
  __u64 filler[6];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

enum produce_mode {
  MODE_OUTPUT = 0,      /* bpf_ringbuf_output of a 64-byte event */
  MODE_RESERVE = 1,     /* bpf_ringbuf_reserve + submit */
  MODE_DISCARD_ODD = 2, /* reserve, then discard odd sequence numbers and submit even ones */
  MODE_VARIABLE = 3,    /* bpf_ringbuf_output of 8..64 bytes: 8 + (seq % 8) * 8 */
};

struct produce_state {
  __u64 next;
  __u64 mode;
  __u64 cpu;
  __u64 produced;
};

static __u64 wakeup_flag(__u64 seq)
{
  return seq % 64 == 63 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static long produce_one(__u32 index, void *data)
{
  struct produce_state *state = data;
  __u64 seq = state->next;

  if (state->mode == MODE_OUTPUT || state->mode == MODE_VARIABLE) {
    struct event event = {};
    __u32 size = sizeof(event);

    event.seq = seq;
    event.cpu = state->cpu;
    event.filler[5] = ~seq;
    if (state->mode == MODE_VARIABLE)
      size = 8 + (seq % 8) * 8;
    if (bpf_ringbuf_output(&events, &event, size, wakeup_flag(seq)))
      return 1;
  } else {
    struct event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

    if (!event)
      return 1;
    event->seq = seq;
    event->cpu = state->cpu;
    event->filler[5] = ~seq;
    if (state->mode == MODE_DISCARD_ODD && (seq & 1))
      bpf_ringbuf_discard(event, wakeup_flag(seq));
    else
      bpf_ringbuf_submit(event, wakeup_flag(seq));
  }
  state->next = seq + 1;
  state->produced++;
  return 0;
}

SEC("raw_tp")
int produce(struct bpf_raw_tracepoint_args *ctx)
{
  struct produce_state state = {
    .next = ctx->args[2],
    .mode = ctx->args[1],
    .cpu = bpf_get_smp_processor_id(),
  };

  bpf_loop(ctx->args[0], produce_one, &state, 0);
  return state.produced;
}

static long spin(__u32 index, void *data)
{
  (*(volatile __u64 *)data)++;
  return 0;
}

/* Holds a reservation (record args[2]) busy while a later record (args[2] + 1) is already committed,
 * for args[0] spin iterations, then commits it: a reader must wait for the first, never skip it. */
SEC("raw_tp")
int hold_busy(struct bpf_raw_tracepoint_args *ctx)
{
  struct event *held = bpf_ringbuf_reserve(&events, sizeof(*held), 0);
  struct event later = {};
  __u64 spins = 0;

  if (!held)
    return 0;
  later.seq = ctx->args[2] + 1;
  later.filler[5] = ~later.seq;
  if (bpf_ringbuf_output(&events, &later, sizeof(later), BPF_RB_FORCE_WAKEUP)) {
    bpf_ringbuf_discard(held, 0);
    return 0;
  }
  bpf_loop(ctx->args[0], spin, &spins, 0);
  held->seq = ctx->args[2];
  held->cpu = spins;
  held->filler[5] = ~held->seq;
  bpf_ringbuf_submit(held, BPF_RB_FORCE_WAKEUP);
  return 2;
}

char LICENSE[] SEC("license") = "GPL";
