/* SPDX-License-Identifier: MIT */
/* What profile's BPF side counts; the front end reads the key from BTF, not from this file. */
#ifndef PROFILE_H
#define PROFILE_H

#define TASK_COMM_LEN 16
/* Distinct (pid, stacks, comm) keys counted before new ones are dropped. */
#define MAX_ENTRIES 10240
/* -p and -L take up to this many comma-separated ids. */
#define MAX_PID_NR 30
#define MAX_TID_NR 30
/* The stack map's defaults; the front end sets both before load (--perf-max-stack-depth, --stack-storage-size). */
#define PERF_MAX_STACK_DEPTH 127
#define STACK_STORAGE_SIZE 1024

struct key_t {
	__u32 pid;
	__s32 user_stack_id;	/* a stackmap key, or -errno (-EFAULT: no user stack, as in a kernel thread) */
	__s32 kern_stack_id;	/* likewise for the kernel stack (-EFAULT when the sample hit user mode) */
	char name[TASK_COMM_LEN];
};

#endif
