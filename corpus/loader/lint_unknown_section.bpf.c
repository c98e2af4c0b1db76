// SPDX-License-Identifier: GPL-2.0
/* Lint error: "tracepiont" is a typo of "tracepoint"; libbpf cannot type the program and refuses to load it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepiont/syscalls/sys_enter_openat")
int lint_typo(void *ctx)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
