// SPDX-License-Identifier: GPL-2.0
/*
 * syscount: counts of syscalls by number (or by process with -P), and with -L the time spent in them,
 * from raw_syscalls:sys_enter/sys_exit. Counting happens at exit, where the result is known (for -x and
 * -e); sys_enter only runs (the front end loads it only) for -L. Filters are .rodata constants the front
 * end sets before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#define TASK_COMM_LEN 16
#include "cgroup_filter.bpf.h"
#include "syscount.h"

const volatile bool count_by_process = false;
const volatile bool measure_latency = false;
const volatile bool filter_failed = false;
const volatile __s32 filter_errno = 0;
const volatile __u32 filter_pid = 0;

/* -L: when each thread entered its current syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} start SEC(".maps");

/* The counts, emptied by the front end at each print. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct data_t);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} data SEC(".maps");

static __always_inline bool traced(__u32 tgid)
{
	if (filter_pid && filter_pid != tgid)
		return false;
	if (cgroup_excluded())
		return false;
	return true;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;
	__u64 now;

	if (!traced(pid_tgid >> 32))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	static const struct data_t zero;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 tid = pid_tgid;
	struct data_t *value;
	__u64 *entered = 0;
	__u32 key;

	/* -1: not a syscall (the tracepoint also fires on some interrupt returns) */
	if (ctx->id == -1)
		return 0;
	if (!traced(tgid))
		return 0;
	if (filter_failed && ctx->ret >= 0)
		return 0;
	if (filter_errno && ctx->ret != -filter_errno)
		return 0;
	if (measure_latency) {
		entered = bpf_map_lookup_elem(&start, &tid);
		if (!entered)
			return 0;	/* it entered before we attached */
	}

	key = count_by_process ? tgid : (__u32)ctx->id;
	value = bpf_map_lookup_elem(&data, &key);
	if (!value) {
		bpf_map_update_elem(&data, &key, &zero, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&data, &key);
		if (!value)
			return 0;	/* full */
	}
	__sync_fetch_and_add(&value->count, 1);
	if (count_by_process) {
		/* the leader's name, read each time: an exec may have changed it */
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		BPF_CORE_READ_STR_INTO(&value->comm, task, group_leader, comm);
	}
	if (measure_latency && entered)
		__sync_fetch_and_add(&value->total_ns, bpf_ktime_get_ns() - *entered);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
