// SPDX-License-Identifier: GPL-2.0
/* Feature: fentry/fexit programs (BPF_PROG_TYPE_TRACING with a BTF attach target).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: the kernel refuses the load with EPERM (no BPF
 * trampolines on this kernel). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 unlinks;

SEC("fentry/do_unlinkat")
int BPF_PROG(before_unlink, int dfd, struct filename *name)
{
  unlinks++;
  return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(after_unlink, int dfd, struct filename *name, long ret)
{
  /* fexit programs must return 0 on kernels before 6.x relaxed it (6.1 refuses anything else) */
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
