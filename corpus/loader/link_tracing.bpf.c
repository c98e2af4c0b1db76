// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: BPF trampoline hooks on opening files — fentry and fexit (with the return value) on
 * vfs_open, and the lsm hook file_open — counting one process's opens. Kernels without trampolines refuse the load (this one:
 * EPERM, empty log); libbpf 1.1 via bpftool prog loadall refuses it the same way here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tgid = 0;

__u64 fentry_hits, fexit_hits, fexit_ret, lsm_opens;

static bool is_target(void)
{
  return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("fentry/vfs_open")
int BPF_PROG(enter_vfs_open, const struct path *path, struct file *file)
{
  if (is_target())
    __sync_fetch_and_add(&fentry_hits, 1);
  return 0;
}

SEC("fexit/vfs_open")
int BPF_PROG(exit_vfs_open, const struct path *path, struct file *file, int ret)
{
  if (!is_target())
    return 0;
  __sync_fetch_and_add(&fexit_hits, 1);
  fexit_ret = ret;
  return 0;
}

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file)
{
  if (is_target())
    __sync_fetch_and_add(&lsm_opens, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
