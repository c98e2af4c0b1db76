/* SPDX-License-Identifier: MIT */
/* What opensnoop's BPF side sends its front end; the front end reads it from BTF, not from this file. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define NAME_MAX 255
/* How many directories of the working directory `-F` walks up before it gives up. */
#define PATH_DEPTH_MAX 16

struct event {
	__u32 pid;		/* the process (tgid) */
	__u32 tid;
	__u32 uid;
	__s32 ret;		/* the file descriptor, or -errno */
	__s32 flags;
	__u32 mode;		/* 0 unless O_CREAT or O_TMPFILE asked for one */
	__u32 path_depth;	/* -F: how many names of the working directory follow the event */
	__u32 path_truncated;	/* -F: the walk stopped before the root */
	char comm[TASK_COMM_LEN];
	char fname[NAME_MAX + 1];	/* the path as the caller passed it */
};

/* -F sends these after the event: the working directory's names, innermost first. */
struct path_names {
	char name[PATH_DEPTH_MAX][NAME_MAX + 1];
};

/* open_counts slots. */
enum open_result { OPEN_OK = 0, OPEN_FAILED = 1 };

#endif
