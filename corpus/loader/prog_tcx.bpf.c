// SPDX-License-Identifier: GPL-2.0
/* Feature: tcx programs (SEC("tcx/ingress"), SEC("tcx/egress")) and SEC("tc/ingress"): SCHED_CLS
 * with expected attach type BPF_TCX_INGRESS/EGRESS in libbpf >= 1.3.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: libbpf 1.1 does not know tcx/ sections
 * ("unrecognized ELF section name") and refuses the object. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb)
{
  return skb->len > 1500 ? 2 : 0;
}

SEC("tcx/egress")
int tcx_out(struct __sk_buff *skb)
{
  skb->mark = 1;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
