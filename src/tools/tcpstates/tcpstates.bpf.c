// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: one event per TCP state change, from sock:inet_sock_set_state, with the time the socket
 * spent in the state it leaves. Where the kernel has kprobes, tcp_v4_init_sock/tcp_v6_init_sock stamp
 * a socket's creation so its first change has a duration too (as libbpf-tools); elsewhere the front end
 * leaves them unloaded and the first change shows 0. Filters are .rodata constants and port sets the
 * front end fills before it attaches.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tools.bpf.h"
#include "tcpstates.h"

#define AF_INET 2

const volatile __u16 target_family = 0;
const volatile bool filter_lport = false;
const volatile bool filter_rport = false;

BTF_TYPE(struct event, event);

/* When each socket entered its current state, by its address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u64);
	__type(value, __u64);
} entered SEC(".maps");

/* -L and -D: the ports to trace (host order), as keys. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u16);
	__type(value, __u8);
} lports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u16);
	__type(value, __u8);
} rports SEC(".maps");

static __always_inline int stamp(struct sock *sk)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();

	bpf_map_update_elem(&entered, &key, &now, BPF_ANY);
	return 0;
}

SEC("kprobe/tcp_v4_init_sock")
int BPF_KPROBE(tcp_v4_init_sock, struct sock *sk)
{
	return stamp(sk);
}

SEC("kprobe/tcp_v6_init_sock")
int BPF_KPROBE(tcp_v6_init_sock, struct sock *sk)
{
	return stamp(sk);
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcp_state_change(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, now, *since;
	__u16 family = ctx->family, sport = ctx->sport, dport = ctx->dport;
	struct event *event;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (target_family && target_family != family)
		return 0;
	if (filter_lport && !bpf_map_lookup_elem(&lports, &sport))
		return 0;
	if (filter_rport && !bpf_map_lookup_elem(&rports, &dport))
		return 0;

	now = bpf_ktime_get_ns();
	since = bpf_map_lookup_elem(&entered, &sk);
	event = event_reserve(sizeof(*event));
	if (event) {
		__builtin_memset(event, 0, sizeof(*event));
		event->skaddr = sk;
		event->ts_us = now / 1000;
		event->delta_us = since ? (now - *since) / 1000 : 0;
		event->pid = bpf_get_current_pid_tgid() >> 32;
		event->oldstate = ctx->oldstate;
		event->newstate = ctx->newstate;
		event->family = family;
		event->sport = sport;
		event->dport = dport;
		bpf_get_current_comm(event->comm, sizeof(event->comm));
		if (family == AF_INET) {
			bpf_probe_read_kernel(event->saddr, 4, ctx->saddr);
			bpf_probe_read_kernel(event->daddr, 4, ctx->daddr);
		} else {
			bpf_probe_read_kernel(event->saddr, 16, ctx->saddr_v6);
			bpf_probe_read_kernel(event->daddr, 16, ctx->daddr_v6);
		}
		event_submit(ctx, event, sizeof(*event));
	}
	if (ctx->newstate == TCP_CLOSE)
		bpf_map_delete_elem(&entered, &sk);
	else
		bpf_map_update_elem(&entered, &sk, &now, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
