// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: the learner's `tsbpf prog run OBJ --attach`: a tracepoint on getppid(2) sending a
 * `struct event` per call through a ring buffer, for the CLI to decode from BTF and print.
 * libbpf 1.1 via bpftool prog loadall: loads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
  __u32 pid;
  __u32 ppid_calls;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} events SEC(".maps");

__u32 calls;
/* a ring buffer has no value type: this keeps struct event in the object's BTF for user space to decode */
struct event *event_type __attribute__((unused));

SEC("tp/syscalls/sys_enter_getppid")
int report_getppid(void *ctx)
{
  struct event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

  if (!event)
    return 0;
  event->pid = bpf_get_current_pid_tgid() >> 32;
  event->ppid_calls = __sync_add_and_fetch(&calls, 1);
  bpf_get_current_comm(event->comm, sizeof(event->comm));
  bpf_ringbuf_submit(event, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
