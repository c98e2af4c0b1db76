// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: multi-probe sections whose targets are glob patterns, auto-attached as libbpf's skeleton
 * attaches them: kprobe.multi/kretprobe.multi patterns over the kernel's traceable functions
 * (available_filter_functions) and uprobe.multi/uretprobe.multi PATH:PATTERN over a binary's
 * function symbols. Each program counts one process's hits (target_tgid, set before load); the
 * return probes keep the last return value. Loaded a part at a time (the kprobe ones need
 * CONFIG_FPROBE, the uprobe ones Linux 6.6).
 *   __x64_sys_*kill     matches __x64_sys_kill, __x64_sys_tkill and __x64_sys_tgkill
 *   __x64_sys_kil?      matches __x64_sys_kill alone
 *   libc.so.6:getp?id   matches libc's getpgid and getppid
 * (The kernel patterns avoid SYSCALL_DEFINE0 syscalls such as getppid: Debian's 6.1 and 6.12 leave
 * their __x64_sys_ wrappers out of available_filter_functions, so no pattern reaches them.)
 * libbpf 1.1 via bpftool prog loadall: refused (it predates SEC("uprobe.multi")).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tgid = 0;

__u64 kprobe_pattern_hits, kretprobe_pattern_hits, kretprobe_pattern_value;
__u64 uprobe_pattern_hits, uretprobe_pattern_hits, uretprobe_pattern_value;

static bool is_target(void)
{
  return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("kprobe.multi/__x64_sys_*kill")
int on_kprobe_pattern(struct pt_regs *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&kprobe_pattern_hits, 1);
  return 0;
}

SEC("kretprobe.multi/__x64_sys_kil?")
int on_kretprobe_pattern(struct pt_regs *ctx)
{
  if (!is_target())
    return 0;
  __sync_fetch_and_add(&kretprobe_pattern_hits, 1);
  kretprobe_pattern_value = PT_REGS_RC(ctx);
  return 0;
}

SEC("uprobe.multi/libc.so.6:getp?id")
int on_uprobe_pattern(struct pt_regs *ctx)
{
  if (is_target())
    __sync_fetch_and_add(&uprobe_pattern_hits, 1);
  return 0;
}

SEC("uretprobe.multi/libc.so.6:getppi*")
int on_uretprobe_pattern(struct pt_regs *ctx)
{
  if (!is_target())
    return 0;
  __sync_fetch_and_add(&uretprobe_pattern_hits, 1);
  uretprobe_pattern_value = PT_REGS_RC(ctx);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
