// SPDX-License-Identifier: MIT
/*
 * Externs a loader must resolve: .kconfig values (LINUX_KERNEL_VERSION, a CONFIG_ bool), a typed
 * __ksym variable, a weak __ksym, and a kfunc call (R_BPF_64_32 against an undefined symbol).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern const int bpf_prog_active __ksym;
extern const int not_a_real_symbol __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

unsigned long long observed[3];

SEC("fentry/do_unlinkat")
int externs(void *ctx)
{
  bpf_rcu_read_lock();
  observed[0] = LINUX_KERNEL_VERSION;
  observed[1] = CONFIG_BPF_SYSCALL;
  observed[2] = (unsigned long long)&bpf_prog_active + (&not_a_real_symbol ? 1 : 0);
  bpf_rcu_read_unlock();
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
