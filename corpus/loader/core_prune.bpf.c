// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf's candidate pruning. This kernel's BTF has both `struct nf_conn` and `struct nf_conn___init`,
 * so a local nf_conn has two candidates. The first program's field access matches only nf_conn; from
 * then on the object's later relocations of nf_conn consider nf_conn alone, so the target type id in the
 * second program resolves (against both candidates, whose ids differ, it would be ambiguous and refused).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

__u64 out[4];

SEC("raw_tp/sys_enter")
int field_first(void *ctx)
{
  struct nf_conn *ct = (void *)bpf_get_current_task();

  out[0] = BPF_CORE_READ(ct, status);
  return 0;
}

SEC("raw_tp/sys_exit")
int size_second(void *ctx)
{
  out[1] = bpf_core_type_id_kernel(struct nf_conn);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
