// SPDX-License-Identifier: GPL-2.0
/* Feature: string literals: bpf_printk formats (static const arrays in .rodata) and plain literals
 * that clang places in .rodata.str1.1, which libbpf merges into the .rodata map.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; creates data_str.rodata (the printk
 * format), .rodata.str1.1 (the literals, frozen) and data_str.bss. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char copied[32];

static __noinline int copy_name(const char *name)
{
  return bpf_probe_read_kernel_str(copied, sizeof(copied), name);
}

SEC("tp/syscalls/sys_enter_openat")
int greet(void *ctx)
{
  bpf_printk("openat by %d", bpf_get_current_pid_tgid() >> 32);
  if (copy_name("a literal string") < 0)
    return copy_name("another literal");
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
