// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: one program per hook the link layer attaches on this kernel, each counting the events of
 * one process (target_tgid, set before load) into .bss: a tracepoint (with its attach cookie), a raw
 * tracepoint, tp_btf, a task iterator printing "pid comm" lines, XDP, tc (attached through tcx) and a
 * cgroup egress hook, a uprobe and uretprobe (on libc's getppid), a kprobe (refused where the kernel
 * has no kprobes) and a perf_event sampler, an sk_msg program on a sockmap and an sk_lookup
 * program (datagrams to port 9). The link tests make each event happen and read the counters.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NR_GETPPID 110 /* x86-64 */

const volatile __u32 target_tgid = 0;

__u64 tp_hits, tp_cookie, raw_hits, btf_hits, xdp_hits, tc_hits, egress_hits;
__u64 uprobe_hits, uretprobe_hits, uretprobe_value, kprobe_hits, samples, msg_hits, msg_bytes, lookups, auto_uprobe_hits, filtered;

struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} sockets SEC(".maps");

static bool is_target(void)
{
  return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
  if (!is_target())
    return 0;
  __sync_fetch_and_add(&tp_hits, 1);
  tp_cookie = bpf_get_attach_cookie(ctx);
  return 0;
}

SEC("raw_tp/sys_enter")
int on_raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
  if (is_target() && ctx->args[1] == NR_GETPPID)
    __sync_fetch_and_add(&raw_hits, 1);
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_btf_sys_enter, struct pt_regs *regs, long id)
{
  if (is_target() && id == NR_GETPPID)
    __sync_fetch_and_add(&btf_hits, 1);
  return 0;
}

SEC("iter/task")
int list_target_tasks(struct bpf_iter__task *ctx)
{
  struct task_struct *task = ctx->task;

  if (task && task->tgid == target_tgid && task->pid == task->tgid)
    BPF_SEQ_PRINTF(ctx->meta->seq, "%d %s\n", task->tgid, task->comm);
  return 0;
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
  __sync_fetch_and_add(&xdp_hits, 1);
  return XDP_PASS;
}

SEC("tc")
int count_tc(struct __sk_buff *skb)
{
  __sync_fetch_and_add(&tc_hits, 1);
  return -1; /* TCX_NEXT: let the packet go on */
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
  __sync_fetch_and_add(&egress_hits, 1);
  return 1;
}

SEC("uprobe")
int on_uprobe(struct pt_regs *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&uprobe_hits, 1);
  return 0;
}

SEC("uretprobe")
int on_uretprobe(struct pt_regs *ctx)
{
  if (!is_target())
    return 0;
  __sync_fetch_and_add(&uretprobe_hits, 1);
  uretprobe_value = PT_REGS_RC(ctx);
  return 0;
}

SEC("uprobe/libc.so.6:getppid")
int on_auto_uprobe(struct pt_regs *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&auto_uprobe_hits, 1);
  return 0;
}

SEC("kprobe")
int on_kprobe(struct pt_regs *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&kprobe_hits, 1);
  return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&samples, 1);
  return 0;
}

SEC("sk_msg")
int count_messages(struct sk_msg_md *msg)
{
  __sync_fetch_and_add(&msg_hits, 1);
  __sync_fetch_and_add(&msg_bytes, msg->size);
  return SK_PASS;
}

SEC("socket")
int count_datagrams(struct __sk_buff *skb)
{
  __sync_fetch_and_add(&filtered, 1);
  return skb->len;
}

SEC("sk_lookup")
int count_lookups(struct bpf_sk_lookup *ctx)
{
  if (ctx->local_port == 9)
    __sync_fetch_and_add(&lookups, 1);
  return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
