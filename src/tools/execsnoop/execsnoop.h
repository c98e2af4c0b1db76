/* SPDX-License-Identifier: MIT */
/* What execsnoop's BPF side sends its front end; the front end reads it from BTF, not from this file. */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

/* Room for one argument, and for all of them: libbpf-tools' limits, so --max-args means the same. */
#define ARG_SIZE 128
#define TOTAL_MAX_ARGS 60
#define DEFAULT_MAX_ARGS 20
#define ARGS_SIZE_MAX (TOTAL_MAX_ARGS * ARG_SIZE)
/* The last place an argument may start and still have ARG_SIZE bytes of room. */
#define LAST_ARG_START (ARGS_SIZE_MAX - ARG_SIZE)

struct event {
	__u32 pid;		/* the process (tgid) */
	__u32 ppid;
	__u32 uid;
	__s32 retval;		/* execve's result: 0, or -errno */
	__u32 args_count;	/* strings in `args`, plus one when more arguments were left out */
	__u32 args_size;	/* bytes of `args` used */
	char comm[TASK_COMM_LEN];	/* the name after the exec (before it, when the exec failed) */
};

/*
 * Each record is an event followed by its arguments: the file name, then argv[1...], each ending in
 * a NUL. The front end decodes `struct event` from BTF and reads args_size bytes after it.
 */
struct exec_record {
	struct event event;
	char args[ARGS_SIZE_MAX];
};

#endif
