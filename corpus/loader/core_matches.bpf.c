// SPDX-License-Identifier: GPL-2.0
/*
 * Type-match relocations. clang 14 cannot emit bpf_core_type_matches (BPF_TYPE_MATCHES came with
 * clang 15), so every type-exists relocation of this object stands for one: the CO-RE tests rewrite
 * their kind to TYPE_MATCHES in a copy of the object before relocating it with tsbpf and libbpf.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct mm_struct___fwd;

struct task_struct___same { int pid; pid_t tgid; char comm[16]; } __attribute__((preserve_access_index));
struct task_struct___width { long pid; } __attribute__((preserve_access_index));
struct task_struct___short_comm { char comm[8]; } __attribute__((preserve_access_index));
struct task_struct___pointers { struct mm_struct *mm; struct mm_struct___fwd *active_mm; } __attribute__((preserve_access_index));
struct task_struct___sign { unsigned int pid; } __attribute__((preserve_access_index));
struct task_struct___extra { int pid; int no_such_member; } __attribute__((preserve_access_index));
union task_struct___union { int pid; };
enum pid_type___same { PIDTYPE_PID___s, PIDTYPE_TGID___s };
enum pid_type___bogus { PIDTYPE_PID___b, PIDTYPE_BOGUS };
enum pid_type___wide { PIDTYPE_SID___w = 0x100000000ULL };
typedef int pid_t___same;
typedef unsigned long pid_t___wrong;

__u64 out[16];

SEC("raw_tp/sys_enter")
int matches(void *ctx)
{
  out[0] = bpf_core_type_exists(struct task_struct___same);
  out[1] = bpf_core_type_exists(struct task_struct___width);
  out[2] = bpf_core_type_exists(struct task_struct___short_comm);
  out[3] = bpf_core_type_exists(struct task_struct___pointers);
  out[4] = bpf_core_type_exists(struct task_struct___sign);
  out[5] = bpf_core_type_exists(struct task_struct___extra);
  out[6] = bpf_core_type_exists(union task_struct___union);
  out[7] = bpf_core_type_exists(enum pid_type___same);
  out[8] = bpf_core_type_exists(enum pid_type___bogus);
  out[9] = bpf_core_type_exists(enum pid_type___wide);
  out[10] = bpf_core_type_exists(pid_t___same);
  out[11] = bpf_core_type_exists(pid_t___wrong);
  out[12] = bpf_core_type_exists(struct task_struct);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
