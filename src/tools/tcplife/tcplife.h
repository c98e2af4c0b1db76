/* SPDX-License-Identifier: MIT */
/* What tcplife's BPF side sends its front end; the front end reads it from BTF, not from this file. */
#ifndef TCPLIFE_H
#define TCPLIFE_H

/* Sessions followed at once, and ports -L/-D take. */
#define MAX_ENTRIES 10240
#define MAX_PORTS 1024

/* Who a session belongs to: the task that opened (SYN_SENT) or closed (LAST_ACK) it. */
struct ident {
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

struct event {
	__u8 saddr[16];		/* network order; IPv4 in the first four bytes */
	__u8 daddr[16];
	char comm[TASK_COMM_LEN];
	__u64 ts_us;		/* when it closed, bpf_ktime_get_ns() / 1000 */
	__u64 span_us;		/* from its last state before FIN_WAIT1 to CLOSE */
	__u64 rx_b;		/* tcp_sock.bytes_received */
	__u64 tx_b;		/* tcp_sock.bytes_acked */
	__u32 pid;
	__u16 sport;		/* host order */
	__u16 dport;
	__u16 family;
};

#endif
