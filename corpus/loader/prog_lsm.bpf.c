// SPDX-License-Identifier: GPL-2.0
/* Feature: an LSM program (lsm/file_open) returning an errno to deny.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: the kernel refuses the load with EPERM (no BPF
 * trampolines/LSM hooks on this kernel). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("lsm/file_open")
int BPF_PROG(watch_open, struct file *file, int previous)
{
  return previous;
}

char LICENSE[] SEC("license") = "GPL";
