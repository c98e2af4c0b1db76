/* SPDX-License-Identifier: MIT */
/* What runqlat's BPF side keeps for its front end, which reads it through BTF, not from this file. */
#ifndef RUNQLAT_H
#define RUNQLAT_H

/* log2 slots of the latency (usecs or msecs); the last one also holds everything beyond it. */
#define MAX_SLOTS 26

/* The key of the one histogram when none of -P, -L, --pidnss splits them. */
#define HIST_KEY_ALL ((__u32)-1)

struct hist {
	__u32 slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN];	/* the first task seen under this key */
};

#endif
