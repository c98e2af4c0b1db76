// SPDX-License-Identifier: GPL-2.0
/*
 * Refused: a helper call clobbers R1-R5, and the inline assembly reads R3 right after one, before
 * anything wrote it again ("R3 !read_ok"). C code never does this; hand-written assembly can.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int reject_uninit_register(struct __sk_buff *skb)
{
  long value;
  asm volatile("call %[helper]; %[out] = r3"
               : [out] "=r"(value)
               : [helper] "i"(BPF_FUNC_ktime_get_ns)
               : "r0", "r1", "r2", "r3", "r4", "r5");
  return value;
}

char LICENSE[] SEC("license") = "GPL";
