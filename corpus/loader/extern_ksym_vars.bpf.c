// SPDX-License-Identifier: GPL-2.0
/*
 * Typed __ksym variables resolved against vmlinux BTF: per-CPU `runqueues` (a struct) and
 * `bpf_prog_active` (an int). The kernel then looks each one's address up with kallsyms, so the
 * program loads only where /proc/kallsyms has data symbols (CONFIG_KALLSYMS_ALL=y); libbpf's
 * resolution (its debug log) is the oracle either way.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;

unsigned long long observed[2];

SEC("tp_btf/sched_switch")
int ksym_variables(void *ctx)
{
  const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
  const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

  observed[0] = rq->cpu;
  observed[1] = *active;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
