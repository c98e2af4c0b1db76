// SPDX-License-Identifier: GPL-2.0
/* Feature: kprobe and kretprobe programs (BPF_PROG_TYPE_KPROBE) with BPF_KPROBE arguments.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads: this kernel accepts kprobe programs
 * (attaching them is what it refuses). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 opens;

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(enter_openat2, int dfd, const char *filename)
{
  opens++;
  return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(leave_openat2, long result)
{
  return result < 0;
}

char LICENSE[] SEC("license") = "GPL";
