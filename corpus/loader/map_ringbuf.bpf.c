// SPDX-License-Identifier: GPL-2.0
/* Feature: ring buffers: a BPF_MAP_TYPE_RINGBUF written with reserve/submit and output, and a user
 * ring buffer drained from the program side.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; ringbuf and user_ringbuf have key and
 * value size 0, max_entries the buffer size. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
  __u32 pid;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_USER_RINGBUF);
  __uint(max_entries, 4096);
} commands SEC(".maps");

static long on_command(struct bpf_dynptr *dynptr, void *context)
{
  return 0;
}

SEC("tp/sched/sched_process_exec")
int report_exec(void *ctx)
{
  struct event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
  __u32 pid = bpf_get_current_pid_tgid() >> 32;

  if (event) {
    event->pid = pid;
    bpf_get_current_comm(event->comm, sizeof(event->comm));
    bpf_ringbuf_submit(event, 0);
  }
  bpf_ringbuf_output(&events, &pid, sizeof(pid), BPF_RB_NO_WAKEUP);
  bpf_user_ringbuf_drain(&commands, on_command, 0, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
