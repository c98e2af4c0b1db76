// SPDX-License-Identifier: GPL-2.0
/* Lint error: GPL-only helpers (bpf_get_current_task, bpf_probe_read_kernel) under a proprietary license; the verifier refuses the calls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int lint_license(void *ctx)
{
  long value = 0;
  bpf_probe_read_kernel(&value, sizeof(value), (void *)bpf_get_current_task());
  return value == 0;
}

char LICENSE[] SEC("license") = "Proprietary";
