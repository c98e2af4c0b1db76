// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: every active TCP connect, or with -c a count per flow. Two ways to see a connect, one
 * chosen at run time by the front end (the other's programs are not loaded):
 *  - kprobes, as libbpf-tools: tcp_v4_connect/tcp_v6_connect remember the socket per thread, their return
 *    probes report it when the call succeeded;
 *  - tracepoints, for kernels that refuse kprobes: sock:inet_sock_set_state's CLOSE -> SYN_SENT runs inside
 *    tcp_v{4,6}_connect in the connecting thread, so it remembers the socket, and the thread's
 *    syscalls:sys_exit_connect reports it. The source port is chosen only after SYN_SENT, which is why the
 *    report waits for the syscall's end; a connect that failed after SYN_SENT has had its destination
 *    port cleared by the kernel, which is how the report tells it from a successful one.
 * Filters are .rodata constants set before load, as in libbpf-tools.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tools.bpf.h"
#include "tcpconnect.h"

#define AF_INET 2
#define AF_INET6 10

const volatile __u32 filter_pid = 0;
const volatile __u32 filter_uid = INVALID_UID;
const volatile __u16 filter_family = 0;
const volatile __u32 filter_ports_len = 0;
const volatile __u16 filter_ports[MAX_PORTS] = {};
const volatile bool do_count = false;
const volatile bool source_port = false;

BTF_TYPE(struct event, event);

/* Sockets whose connect is in flight, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct sock *);
} sockets SEC(".maps");

/* -c: connects per flow. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct flow_key);
	__type(value, __u64);
} flow_counts SEC(".maps");

static __always_inline bool port_wanted(__u16 port)
{
	__u32 i;

	if (filter_ports_len == 0)
		return true;
	for (i = 0; i < MAX_PORTS && i < filter_ports_len; i++) {
		if (filter_ports[i] == port)
			return true;
	}
	return false;
}

static __always_inline int remember(struct sock *sk)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;

	if (filter_pid && filter_pid != pid_tgid >> 32)
		return 0;
	if (filter_uid != INVALID_UID && filter_uid != (__u32)bpf_get_current_uid_gid())
		return 0;
	bpf_map_update_elem(&sockets, &tid, &sk, BPF_ANY);
	return 0;
}

static __always_inline void read_addresses(struct sock *sk, __u16 family, __u8 *saddr, __u8 *daddr)
{
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)daddr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline void count(struct sock *sk, __u16 family, __u16 sport, __u16 dport)
{
	struct flow_key key = {};
	__u64 one = 1, *value;

	key.af = family;
	key.sport = source_port ? sport : 0;
	key.dport = dport;
	read_addresses(sk, family, key.saddr, key.daddr);
	value = bpf_map_lookup_elem(&flow_counts, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	else
		bpf_map_update_elem(&flow_counts, &key, &one, BPF_NOEXIST);
}

/* The thread's connect ended; `connected` says whether it got as far as sending a SYN. */
static __always_inline int report(void *ctx, bool connected)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;
	struct sock **skp, *sk;
	struct event *event;
	__u16 family, sport, dport;

	skp = bpf_map_lookup_elem(&sockets, &tid);
	if (!skp)
		return 0;
	sk = *skp;
	bpf_map_delete_elem(&sockets, &tid);
	if (!connected)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (dport == 0)		/* the kernel undid the connect after SYN_SENT */
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (filter_family && filter_family != family)
		return 0;
	if (!port_wanted(dport))
		return 0;
	/* inet_sport, not skc_num: a refused connect has already unhashed its port (skc_num = 0) */
	sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	if (do_count) {
		count(sk, family, sport, dport);
		return 0;
	}
	event = event_reserve(sizeof(*event));
	if (!event)
		return 0;
	__builtin_memset(event, 0, sizeof(*event));
	read_addresses(sk, family, event->saddr, event->daddr);
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->ts_us = bpf_ktime_get_ns() / 1000;
	event->af = family;
	event->pid = pid_tgid >> 32;
	event->uid = (__u32)bpf_get_current_uid_gid();
	event->sport = sport;
	event->dport = dport;
	event_submit(ctx, event, sizeof(*event));
	return 0;
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(tcp_v4_connect, struct sock *sk)
{
	return remember(sk);
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(tcp_v4_connect_ret, int ret)
{
	return report(ctx, ret == 0);
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(tcp_v6_connect, struct sock *sk)
{
	return remember(sk);
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(tcp_v6_connect_ret, int ret)
{
	return report(ctx, ret == 0);
}

SEC("tracepoint/sock/inet_sock_set_state")
int connect_syn_sent(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP || ctx->oldstate != TCP_CLOSE || ctx->newstate != TCP_SYN_SENT)
		return 0;
	return remember((struct sock *)ctx->skaddr);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, true);
}

char LICENSE[] SEC("license") = "GPL";
