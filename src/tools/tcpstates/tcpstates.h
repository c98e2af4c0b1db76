/* SPDX-License-Identifier: MIT */
/* What tcpstates' BPF side sends its front end; the front end reads it from BTF, not from this file. */
#ifndef TCPSTATES_H
#define TCPSTATES_H

/* Sockets followed at once, and ports -L/-D take. */
#define MAX_ENTRIES 10240

struct event {
	__u8 saddr[16];		/* network order; IPv4 in the first four bytes */
	__u8 daddr[16];
	char comm[TASK_COMM_LEN];
	__u64 skaddr;
	__u64 ts_us;
	__u64 delta_us;		/* time in the old state (0 when we did not see it begin) */
	__u32 pid;		/* whoever runs when the state changes */
	__s32 oldstate;
	__s32 newstate;
	__u16 family;
	__u16 sport;		/* host order */
	__u16 dport;
};

#endif
