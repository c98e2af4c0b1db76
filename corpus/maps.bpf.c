// SPDX-License-Identifier: MIT
/*
 * BTF-defined maps (.maps with __uint/__type/__array), global data in .rodata, .data, .bss and the
 * custom sections .data.counters and .rodata.config, and a legacy-style map-in-map.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
  unsigned int pid;
  unsigned long long timestamp;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, unsigned int);
  __type(value, struct event);
} events_by_pid SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, unsigned int);
  __type(value, unsigned long long);
} per_cpu_counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} ring SEC(".maps");

struct inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, int);
  __type(value, int);
} inner SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, int);
  __array(values, struct inner_map);
} outer SEC(".maps") = {
  .values = { [0] = &inner },
};

const volatile unsigned int target_pid = 0;           /* .rodata */
unsigned long long seen = 0;                          /* .bss */
int configured = 1;                                   /* .data */
unsigned long long counters[4] SEC(".data.counters") = { 1, 2, 3, 4 };
const char greeting[] SEC(".rodata.config") = "hello";

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx)
{
  unsigned int pid = bpf_get_current_pid_tgid() >> 32;
  unsigned int key = 0;
  struct event *slot;
  unsigned long long *count;

  if (target_pid && pid != target_pid)
    return 0;
  count = bpf_map_lookup_elem(&per_cpu_counts, &key);
  if (count)
    (*count)++;
  slot = bpf_ringbuf_reserve(&ring, sizeof(*slot), 0);
  if (!slot)
    return 0;
  slot->pid = pid;
  slot->timestamp = bpf_ktime_get_ns();
  bpf_get_current_comm(slot->comm, sizeof(slot->comm));
  bpf_map_update_elem(&events_by_pid, &pid, slot, BPF_ANY);
  bpf_ringbuf_submit(slot, 0);
  seen++;
  counters[pid & 3] += configured + greeting[0];
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
