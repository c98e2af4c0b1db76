// SPDX-License-Identifier: MIT
/*
 * Several program types in one object (tracepoint, xdp, tc, kprobe, raw_tp, fentry, socket filter),
 * static and global subprograms and bpf-to-bpf calls, so sections hold more than one function and
 * calls carry R_BPF_64_32 relocations.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int hits = 0;

static __attribute__((noinline)) int add_one(int value)
{
  return value + 1;
}

__attribute__((noinline)) int global_helper(int value)
{
  hits++;
  return add_one(value) * 2;
}

static __attribute__((noinline)) int twice(int value)
{
  return global_helper(value) + global_helper(value + 1);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(void *ctx)
{
  return twice(1) > 0 ? 0 : 1;
}

SEC("xdp")
int on_xdp(struct xdp_md *ctx)
{
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  if (data + 14 > end)
    return XDP_DROP;
  return add_one(XDP_PASS - 1);
}

SEC("tc")
int on_tc(struct __sk_buff *skb)
{
  return skb->len > 1500 ? global_helper(0) : 0;
}

SEC("kprobe/do_sys_openat2")
int on_kprobe(void *ctx)
{
  return twice(hits);
}

SEC("raw_tp/sched_switch")
int on_raw_tp(void *ctx)
{
  hits += 2;
  return 0;
}

SEC("fentry/do_unlinkat")
int on_fentry(unsigned long long *ctx)
{
  return add_one((int)ctx[0]) & 0;
}

SEC("socket")
int on_socket(struct __sk_buff *skb)
{
  return skb->protocol == 8 ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
