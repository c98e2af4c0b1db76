// SPDX-License-Identifier: GPL-2.0
/*
 * tcplife: one event per TCP session when it closes, with its owner, addresses, bytes each way and
 * lifespan, all from sock:inet_sock_set_state (no kprobes). A session is born at its last state before
 * FIN_WAIT1; its owner is the task in whose context it went SYN_SENT (an active open) or LAST_ACK (the
 * close of a passive one), else whoever is running when it reaches CLOSE. Byte counts are read from
 * struct tcp_sock with CO-RE. Filters are .rodata constants and port sets the front end fills before
 * it attaches.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "tools.bpf.h"
#include "tcplife.h"

#define AF_INET 2

const volatile __u32 target_pid = 0;
const volatile __u16 target_family = 0;
const volatile bool filter_lport = false;
const volatile bool filter_rport = false;

BTF_TYPE(struct event, event);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u64);	/* the socket's address */
	__type(value, __u64);	/* ns */
} birth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u64);
	__type(value, struct ident);
} idents SEC(".maps");

/* -L and -D: the ports to trace (host order), as keys. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u16);
	__type(value, __u8);
} lports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u16);
	__type(value, __u8);
} rports SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, now, *born;
	__u16 family = ctx->family, sport = ctx->sport, dport = ctx->dport;
	int newstate = ctx->newstate;
	struct ident ident = {}, *owner;
	struct tcp_sock *tp;
	struct event *event;
	__u32 pid;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (target_family && target_family != family)
		return 0;
	if (filter_lport && !bpf_map_lookup_elem(&lports, &sport))
		return 0;
	if (filter_rport && !bpf_map_lookup_elem(&rports, &dport))
		return 0;

	if (newstate < TCP_FIN_WAIT1) {
		now = bpf_ktime_get_ns();
		bpf_map_update_elem(&birth, &sk, &now, BPF_ANY);
	}
	if (newstate == TCP_SYN_SENT || newstate == TCP_LAST_ACK) {
		pid = bpf_get_current_pid_tgid() >> 32;
		if (target_pid && target_pid != pid)
			return 0;
		ident.pid = pid;
		bpf_get_current_comm(ident.comm, sizeof(ident.comm));
		bpf_map_update_elem(&idents, &sk, &ident, BPF_ANY);
	}
	if (newstate != TCP_CLOSE)
		return 0;

	born = bpf_map_lookup_elem(&birth, &sk);
	if (!born) {	/* born before we attached, or never established */
		bpf_map_delete_elem(&idents, &sk);
		return 0;
	}
	now = bpf_ktime_get_ns();
	owner = bpf_map_lookup_elem(&idents, &sk);
	pid = owner ? owner->pid : bpf_get_current_pid_tgid() >> 32;
	if (target_pid && target_pid != pid)
		goto forget;

	event = event_reserve(sizeof(*event));
	if (!event)
		goto forget;
	__builtin_memset(event, 0, sizeof(*event));
	tp = (struct tcp_sock *)sk;
	event->rx_b = BPF_CORE_READ(tp, bytes_received);
	event->tx_b = BPF_CORE_READ(tp, bytes_acked);
	event->ts_us = now / 1000;
	event->span_us = (now - *born) / 1000;
	event->pid = pid;
	event->sport = sport;
	event->dport = dport;
	event->family = family;
	if (owner)
		__builtin_memcpy(event->comm, owner->comm, sizeof(event->comm));
	else
		bpf_get_current_comm(event->comm, sizeof(event->comm));
	if (family == AF_INET) {
		bpf_probe_read_kernel(event->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(event->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(event->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(event->daddr, 16, ctx->daddr_v6);
	}
	event_submit(ctx, event, sizeof(*event));
forget:
	bpf_map_delete_elem(&birth, &sk);
	bpf_map_delete_elem(&idents, &sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
