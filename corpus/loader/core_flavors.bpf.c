// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE with local flavors (name___x) of kernel types: renamed and missing fields (guarded and not,
 * so some instructions are poisoned), a narrower unsigned field (the load is widened) and a wider
 * signed one (libbpf refuses to resize it and poisons), local bitfields, a type and enum values the
 * kernel does not have.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___old {
  long state;
} __attribute__((preserve_access_index));

struct task_struct___new {
  unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___narrow {
  unsigned int utime;
  unsigned char flags;
} __attribute__((preserve_access_index));

struct task_struct___wide {
  long prio;
} __attribute__((preserve_access_index));

struct task_struct___bits {
  unsigned int in_execve : 1;
  unsigned int frozen : 1;
  unsigned short in_iowait : 3;
} __attribute__((preserve_access_index));

struct no_such_struct___x {
  int a;
  int b[4];
} __attribute__((preserve_access_index));

enum pid_type___x { PIDTYPE_PGID___y = 2, PIDTYPE_NOPE = 9 };

__u64 out[32];

SEC("raw_tp/sys_enter")
int renamed(void *ctx)
{
  void *task = (void *)bpf_get_current_task();
  struct task_struct___old *old = task;
  struct task_struct___new *new = task;

  if (bpf_core_field_exists(new->__state))
    out[0] = BPF_CORE_READ(new, __state);
  else
    out[0] = BPF_CORE_READ(old, state);
  out[1] = bpf_core_field_exists(old->state);
  out[2] = old->state; /* unguarded: poisoned on kernels without it */
  return 0;
}

SEC("raw_tp/sys_exit")
int sizes(void *ctx)
{
  void *task = (void *)bpf_get_current_task();
  struct task_struct___narrow *narrow = task;
  struct task_struct___wide *wide = task;
  struct task_struct___bits *bits = task;

  out[3] = narrow->utime;
  out[4] = narrow->flags;
  out[5] = wide->prio;
  out[6] = BPF_CORE_READ_BITFIELD_PROBED(bits, in_execve);
  out[7] = BPF_CORE_READ_BITFIELD_PROBED(bits, in_iowait);
  out[8] = bpf_core_field_size(narrow->utime);
  return 0;
}

SEC("raw_tp/task_rename")
int missing(void *ctx)
{
  struct no_such_struct___x *none = (void *)bpf_get_current_task();

  out[9] = bpf_core_type_exists(struct no_such_struct___x);
  out[10] = bpf_core_type_size(struct no_such_struct___x);
  out[11] = bpf_core_type_id_kernel(struct no_such_struct___x);
  out[12] = bpf_core_field_exists(none->a);
  out[13] = none->b[2];
  out[14] = bpf_core_field_offset(none->b[1]);
  out[15] = bpf_core_enum_value_exists(enum pid_type___x, PIDTYPE_PGID___y);
  out[16] = bpf_core_enum_value(enum pid_type___x, PIDTYPE_PGID___y);
  out[17] = bpf_core_enum_value_exists(enum pid_type___x, PIDTYPE_NOPE);
  out[18] = bpf_core_enum_value(enum pid_type___x, PIDTYPE_NOPE);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
