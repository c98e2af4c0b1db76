// SPDX-License-Identifier: GPL-2.0
/*
 * exitsnoop: every process (or, with -T, thread) that ends, with its age and how it ended, from
 * sched:sched_process_exit — a tracepoint, so no kprobe is needed. Filters are .rodata constants the
 * front end sets before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#define TASK_COMM_LEN 16
#include "exitsnoop.h"
#define EVENT_MAX_SIZE sizeof(struct event)
#include "tools.bpf.h"

const volatile __u32 targ_tgid = 0;
const volatile bool failed_only = false;
const volatile bool by_process = true;

BTF_TYPE(struct event, event);

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 tid = (__u32)pid_tgid;
	struct task_struct *task;
	struct event *event;
	int exit_code;

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	/* a process ends when its leader does; the other threads' exits are -T's business */
	if (by_process && tgid != tid)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	exit_code = BPF_CORE_READ(task, exit_code);
	if (failed_only && exit_code == 0)
		return 0;

	event = event_reserve(sizeof(*event));
	if (!event)
		return 0;
	event->start_time = BPF_CORE_READ(task, start_time);
	event->exit_time = bpf_ktime_get_ns();
	event->pid = tgid;
	event->tid = tid;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	/* exit_code is a wait status: the signal in the low byte, exit(2)'s status above it */
	event->sig = exit_code & 0xff;
	event->exit_code = exit_code >> 8;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event_submit(ctx, event, sizeof(*event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
