// SPDX-License-Identifier: GPL-2.0
/* Feature: sock_ops programs: reading bpf_sock_ops and setting callback flags and a reply.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("sockops")
int tune_connections(struct bpf_sock_ops *ops)
{
  switch (ops->op) {
  case BPF_SOCK_OPS_TCP_CONNECT_CB:
    bpf_sock_ops_cb_flags_set(ops, BPF_SOCK_OPS_STATE_CB_FLAG);
    break;
  case BPF_SOCK_OPS_TIMEOUT_INIT:
    ops->reply = 10;
    break;
  }
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
