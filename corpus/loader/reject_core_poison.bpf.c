// SPDX-License-Identifier: GPL-2.0
/*
 * Refused after CO-RE: the local task_struct___missing asks for a field no kernel has, so libbpf
 * cannot resolve the relocation and poisons the instruction with a call to the unknown helper
 * 0xbad2310 ("invalid func unknown#195896080"), which the verifier reaches and refuses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___missing {
  int tsbpf_no_such_field;
} __attribute__((preserve_access_index));

SEC("raw_tp/sys_enter")
int reject_core_poison(void *ctx)
{
  struct task_struct___missing *task = (void *)bpf_get_current_task();
  int value = 0;
  bpf_probe_read_kernel(&value, sizeof(value), &task->tsbpf_no_such_field);
  return value;
}

char LICENSE[] SEC("license") = "GPL";
