// SPDX-License-Identifier: GPL-2.0
/* Lint error: libbpf before 1.0 (and cilium/ebpf) took "xdp_pass" as xdp by prefix; libbpf 1.x refuses it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp_pass")
int lint_prefix(struct xdp_md *ctx)
{
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
