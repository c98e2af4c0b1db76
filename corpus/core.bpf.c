// SPDX-License-Identifier: MIT
/*
 * CO-RE relocations of every kind clang 14 emits: field byte offset (preserve_access_index),
 * field exists, size, signedness, lshift/rshift (bitfields), type id local/target, type
 * exists/size, enum value exists/value. Our own minimal "kernel" structs stand in for vmlinux.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
  int pid;
  int tgid;
  struct task_struct *parent;
  unsigned int flags : 4;
  unsigned int state : 12;
  char comm[16];
} __attribute__((preserve_access_index));

enum task_state { TASK_RUNNING = 0, TASK_DEAD = 16 };

int results[16];

SEC("kprobe/wake_up_new_task")
int core_relocations(struct task_struct *task)
{
  results[0] = BPF_CORE_READ(task, parent, pid);                        /* byte offsets 0:2, 0:0 */
  results[1] = bpf_core_field_exists(task->tgid);
  results[2] = bpf_core_field_size(task->comm);
  results[3] = BPF_CORE_READ_BITFIELD_PROBED(task, state);              /* byte offset/size/signed/lshift/rshift */
  results[4] = bpf_core_type_id_local(struct task_struct);
  results[5] = bpf_core_type_id_kernel(struct task_struct);
  results[6] = bpf_core_type_exists(struct task_struct);
  results[7] = bpf_core_type_size(struct task_struct);
  results[8] = bpf_core_enum_value_exists(enum task_state, TASK_DEAD);
  results[9] = bpf_core_enum_value(enum task_state, TASK_DEAD);
  results[10] = bpf_core_field_offset(task->comm);
  results[11] = task->tgid;                                             /* direct access, also relocated */
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
