// SPDX-License-Identifier: GPL-2.0
/* Feature: perf event arrays: one with max_entries left out (libbpf sizes it to the number of
 * possible CPUs), one with an explicit size; bpf_perf_event_output into both.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; per_cpu_events gets max_entries = number
 * of possible CPUs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(int));
  __uint(value_size, sizeof(__u32));
} per_cpu_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(max_entries, 4);
  __type(key, int);
  __type(value, int);
} four_slots SEC(".maps");

SEC("tp/syscalls/sys_enter_write")
int emit(void *ctx)
{
  __u64 pid_tgid = bpf_get_current_pid_tgid();

  bpf_perf_event_output(ctx, &per_cpu_events, BPF_F_CURRENT_CPU, &pid_tgid, sizeof(pid_tgid));
  bpf_perf_event_output(ctx, &four_slots, 0, &pid_tgid, sizeof(pid_tgid));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
