// SPDX-License-Identifier: GPL-2.0
/* Lint error: fentry needs its target function in the name (or set before load); libbpf refuses a bare "fentry". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("fentry")
int lint_bare_fentry(void *ctx)
{
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
