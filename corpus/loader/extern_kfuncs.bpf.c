// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc calls (R_BPF_64_32 against undefined symbols): acquire/release and RCU lock kfuncs in a tp_btf
 * program, and a weak kfunc no kernel has, guarded by its own address so the verifier drops the call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern int tsbpf_no_such_kfunc(int value) __ksym __weak;

int observed[3];

SEC("tp_btf/task_newtask")
int kfunc_calls(unsigned long long *ctx)
{
  struct task_struct *task = (struct task_struct *)ctx[0];
  struct task_struct *acquired = bpf_task_acquire(task);

  if (acquired) {
    observed[0] = acquired->pid;
    bpf_task_release(acquired);
  }
  bpf_rcu_read_lock();
  observed[1] = task->tgid;
  bpf_rcu_read_unlock();
  if (&tsbpf_no_such_kfunc)
    observed[2] = tsbpf_no_such_kfunc(1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
