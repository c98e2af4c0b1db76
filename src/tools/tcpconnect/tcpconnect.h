/* SPDX-License-Identifier: MIT */
/* What tcpconnect's BPF side sends its front end; the front end reads these from BTF, not from this file. */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

/* Flows counted with -c, and connects in flight per thread. */
#define MAX_ENTRIES 8192
/* Destination ports -P takes. */
#define MAX_PORTS 64

struct event {
	__u8 saddr[16];		/* network order; IPv4 in the first four bytes */
	__u8 daddr[16];
	char comm[TASK_COMM_LEN];
	__u64 ts_us;		/* bpf_ktime_get_ns() / 1000 */
	__u32 af;		/* AF_INET or AF_INET6 */
	__u32 pid;
	__u32 uid;
	__u16 sport;		/* host order */
	__u16 dport;		/* host order */
};

/* -c: connects counted per flow (sport is 0 unless -s). */
struct flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 af;
	__u16 sport;
	__u16 dport;
};

#endif
