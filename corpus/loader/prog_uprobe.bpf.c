// SPDX-License-Identifier: GPL-2.0
/* Feature: uprobe and uretprobe programs (BPF_PROG_TYPE_KPROBE) with BPF_KPROBE/BPF_KRETPROBE
 * argument access; loading needs no target binary.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both as kprobe-type programs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 calls, last_result;

SEC("uprobe")
int BPF_KPROBE(enter_malloc, size_t size)
{
  calls += size > 4096;
  return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(leave_malloc, void *result)
{
  last_result = (__u64)result;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
