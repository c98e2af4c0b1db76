// SPDX-License-Identifier: GPL-2.0
/*
 * .kconfig externs of every type libbpf classifies: bool, tristate, char, ints of 1/2/4/8 bytes signed
 * and unsigned (1-byte ints are libbpf's "char"), char arrays (one truncated, one empty), weak ones this
 * kernel's config lacks, and the virtual LINUX_* values. Each is copied into `observed` so that every
 * extern has a load the loader must patch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_NET __kconfig;
extern unsigned char CONFIG_HZ __kconfig;
extern signed char CONFIG_LOG_BUF_SHIFT __kconfig;
extern short CONFIG_NR_CPUS __kconfig;
extern unsigned short CONFIG_LOG_CPU_MAX_BUF_SHIFT __kconfig;
extern unsigned int CONFIG_DEFAULT_MMAP_MIN_ADDR __kconfig;
extern int CONFIG_INIT_ENV_ARG_LIMIT __kconfig;
extern unsigned int CONFIG_PAGE_SHIFT __kconfig __weak; /* 6.7+ */
extern long long CONFIG_PHYSICAL_START __kconfig;
extern unsigned long long CONFIG_ILLEGAL_POINTER_VALUE __kconfig;
extern char CONFIG_LOCALVERSION[16] __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[4] __kconfig;
extern char CONFIG_DEFAULT_INIT[8] __kconfig;
extern int CONFIG_TSBPF_NOT_IN_ANY_KERNEL __kconfig __weak;
extern bool CONFIG_TSBPF_MISSING_BOOL __kconfig __weak;
extern enum libbpf_tristate CONFIG_KALLSYMS_ALL __kconfig __weak;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern int LINUX_TSBPF_UNKNOWN __kconfig __weak;

unsigned long long observed[20];
char strings[28];

SEC("socket")
int kconfig_values(struct __sk_buff *skb)
{
  observed[0] = CONFIG_BPF_SYSCALL;
  observed[1] = CONFIG_BPF_JIT;
  observed[2] = CONFIG_NET;
  observed[3] = CONFIG_HZ;
  observed[4] = CONFIG_LOG_BUF_SHIFT;
  observed[5] = CONFIG_NR_CPUS;
  observed[6] = CONFIG_DEFAULT_MMAP_MIN_ADDR;
  observed[7] = CONFIG_INIT_ENV_ARG_LIMIT;
  observed[8] = CONFIG_PAGE_SHIFT;
  observed[9] = CONFIG_PHYSICAL_START;
  observed[10] = CONFIG_ILLEGAL_POINTER_VALUE;
  observed[11] = CONFIG_TSBPF_NOT_IN_ANY_KERNEL;
  observed[12] = CONFIG_TSBPF_MISSING_BOOL;
  observed[13] = CONFIG_KALLSYMS_ALL;
  observed[14] = LINUX_KERNEL_VERSION;
  observed[15] = LINUX_HAS_BPF_COOKIE;
  observed[16] = LINUX_HAS_SYSCALL_WRAPPER;
  observed[17] = LINUX_TSBPF_UNKNOWN;
  observed[18] = CONFIG_LOG_CPU_MAX_BUF_SHIFT;
  __builtin_memcpy(strings, CONFIG_LOCALVERSION, 16);
  __builtin_memcpy(strings + 16, CONFIG_DEFAULT_HOSTNAME, 4);
  __builtin_memcpy(strings + 20, CONFIG_DEFAULT_INIT, 8);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
