// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: kprobe.multi and uprobe.multi programs recording each hit's attach cookie (which function
 * fired) for one process. libbpf 1.1 via bpftool prog loadall: refused (it predates SEC("uprobe.multi"));
 * attaching needs kprobes for the kprobe one and 6.6+ for uprobe.multi links.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 target_tgid = 0;

__u64 uprobe_multi_hits, uprobe_multi_cookie_sum, kprobe_multi_hits;

SEC("uprobe.multi")
int on_uprobe_multi(struct pt_regs *ctx)
{
  if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
    return 0;
  __sync_fetch_and_add(&uprobe_multi_hits, 1);
  __sync_fetch_and_add(&uprobe_multi_cookie_sum, bpf_get_attach_cookie(ctx));
  return 0;
}

SEC("kprobe.multi")
int on_kprobe_multi(struct pt_regs *ctx)
{
  if ((bpf_get_current_pid_tgid() >> 32) == target_tgid)
    __sync_fetch_and_add(&kprobe_multi_hits, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
