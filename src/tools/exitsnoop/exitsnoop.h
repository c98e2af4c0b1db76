/* SPDX-License-Identifier: MIT */
/* What exitsnoop's BPF side sends its front end; the front end reads it from BTF, not from this file. */
#ifndef EXITSNOOP_H
#define EXITSNOOP_H

struct event {
	__u64 start_time;	/* the task's start, ns since boot (CLOCK_MONOTONIC) */
	__u64 exit_time;	/* bpf_ktime_get_ns() at the exit, same clock */
	__u32 pid;		/* the process (tgid) */
	__u32 tid;
	__u32 ppid;
	__u32 sig;		/* the wait status' low byte: the signal (0x7f) and the core-dump bit (0x80) */
	__s32 exit_code;	/* exit(2)'s status, when no signal ended it */
	char comm[TASK_COMM_LEN];
};

#endif
