// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: session probes (SEC("kprobe.session"), SEC("uprobe.session/PATH:PATTERN"), libbpf >= 1.5): one
 * program runs at a function's entry and, when the entry run returns 0, again at its return, the two runs
 * sharing an 8-byte session cookie (kfuncs bpf_session_is_return, bpf_session_cookie). Each program
 * counts entries and returns for one process (libc's getppid, the kill syscall) and checks that every
 * return sees the cookie its entry wrote. Linux 6.10 (kprobe sessions, CONFIG_FPROBE) and 6.13 (uprobe
 * sessions).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: libbpf 1.1 does not know session sections and refuses
 * the object.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern bool bpf_session_is_return(void) __ksym __weak;
extern __u64 *bpf_session_cookie(void) __ksym __weak;

const volatile __u32 target_tgid = 0;

__u64 uprobe_entries, uprobe_returns, kprobe_entries, kprobe_returns, cookie_mismatches;

/* The entry stores a value derived from the thread; its return must read the same one back. */
static __always_inline int session(__u64 *entries, __u64 *returns)
{
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u64 *cookie;

  /* a kernel without the kfuncs (before 6.10) loads the program; the verifier drops what follows */
  if (!&bpf_session_cookie || !&bpf_session_is_return || (pid_tgid >> 32) != target_tgid)
    return 1; /* another process: no return run */
  cookie = bpf_session_cookie();
  if (!bpf_session_is_return()) {
    __sync_fetch_and_add(entries, 1);
    *cookie = pid_tgid ^ 0x5e5510;
    return 0;
  }
  __sync_fetch_and_add(returns, 1);
  if (*cookie != (pid_tgid ^ 0x5e5510))
    __sync_fetch_and_add(&cookie_mismatches, 1);
  return 0;
}

SEC("uprobe.session/libc.so.6:getppid")
int on_uprobe_session(struct pt_regs *ctx)
{
  return session(&uprobe_entries, &uprobe_returns);
}

SEC("kprobe.session/__x64_sys_kill")
int on_kprobe_session(struct pt_regs *ctx)
{
  return session(&kprobe_entries, &kprobe_returns);
}

char LICENSE[] SEC("license") = "GPL";
