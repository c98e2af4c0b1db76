// SPDX-License-Identifier: GPL-2.0
/*
 * __ksym variables that load on any kernel: typeless ones resolved from /proc/kallsyms (function
 * symbols, since a kernel without CONFIG_KALLSYMS_ALL lists no data symbols), and weak ones no kernel
 * has, typed and typeless, which libbpf turns into the constant 0.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern const void __x64_sys_bpf __ksym;
extern const void __x64_sys_getpid __ksym;
extern const int tsbpf_no_such_variable __ksym __weak;
extern const void tsbpf_no_such_symbol __ksym __weak;

unsigned long long observed[4];

SEC("socket")
int ksym_values(struct __sk_buff *skb)
{
  observed[0] = (unsigned long long)&__x64_sys_bpf;
  observed[1] = (unsigned long long)&__x64_sys_getpid;
  observed[2] = (unsigned long long)&tsbpf_no_such_variable;
  observed[3] = (unsigned long long)&tsbpf_no_such_symbol;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
