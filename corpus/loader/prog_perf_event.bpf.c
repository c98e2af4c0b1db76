// SPDX-License-Identifier: GPL-2.0
/* Feature: perf_event programs reading struct bpf_perf_event_data and counting samples per CPU.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} samples SEC(".maps");

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
  __u32 zero = 0;
  __u64 *count = bpf_map_lookup_elem(&samples, &zero);

  if (count)
    *count += ctx->sample_period;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
