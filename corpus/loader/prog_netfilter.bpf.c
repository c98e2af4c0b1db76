// SPDX-License-Identifier: GPL-2.0
/* Feature: a netfilter program (BPF_PROG_TYPE_NETFILTER, SEC("netfilter"), libbpf >= 1.2).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: libbpf 1.1 does not know SEC("netfilter")
 * ("unrecognized ELF section name") and refuses the object. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NF_ACCEPT 1

SEC("netfilter")
int accept_all_hooks(struct bpf_nf_ctx *ctx)
{
  return NF_ACCEPT;
}

char LICENSE[] SEC("license") = "GPL";
