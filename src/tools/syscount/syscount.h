/* SPDX-License-Identifier: MIT */
/* What syscount's BPF side counts; the front end reads it from BTF, not from this file. */
#ifndef SYSCOUNT_H
#define SYSCOUNT_H

/* Distinct keys (syscalls, or processes with -P) the counts map holds between two prints. */
#define MAX_ENTRIES 8192

/* The value of `data`, by syscall number (or by pid with -P). */
struct data_t {
	__u64 count;
	__u64 total_ns;		/* -L: time spent inside the syscall */
	char comm[TASK_COMM_LEN];	/* -P: the process' name */
};

#endif
