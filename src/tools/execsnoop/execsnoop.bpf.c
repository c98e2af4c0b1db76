// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: every execve(2) and execveat(2) with its arguments and result. The enter tracepoint
 * gathers the arguments (the user memory holding them is gone once the exec succeeds) into a per-thread
 * record; the exit tracepoint adds the result and the new comm and sends it. Filters are .rodata
 * constants the front end sets before load; -n and -l stay in user space, as in libbpf-tools.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#define TASK_COMM_LEN 16
#include "execsnoop.h"
#define EVENT_MAX_SIZE sizeof(struct exec_record)
#include "tools.bpf.h"
#include "cgroup_filter.bpf.h"

const volatile bool include_failed = false;
const volatile __u32 targ_uid = INVALID_UID;
const volatile __u32 max_args = DEFAULT_MAX_ARGS;

BTF_TYPE(struct event, event);

static const struct exec_record empty_record = {};

/* Records of the execs in flight, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_record);
} execs SEC(".maps");

static __always_inline bool traced(void)
{
	if (cgroup_excluded())
		return false;
	if (targ_uid != INVALID_UID && targ_uid != (__u32)bpf_get_current_uid_gid())
		return false;
	return true;
}

static __always_inline int gather(const char *filename, const char *const *argv)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;
	struct task_struct *task;
	struct exec_record *record;
	const char *arg;
	long len;
	__u32 i;

	if (!traced())
		return 0;
	if (bpf_map_update_elem(&execs, &tid, &empty_record, BPF_NOEXIST))
		return 0;
	record = bpf_map_lookup_elem(&execs, &tid);
	if (!record)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	record->event.pid = pid_tgid >> 32;
	record->event.ppid = BPF_CORE_READ(task, real_parent, tgid);
	record->event.uid = (__u32)bpf_get_current_uid_gid();

	/* the file name stands first, where argv[0] would be (libbpf-tools shows it so) */
	len = bpf_probe_read_user_str(record->args, ARG_SIZE, filename);
	record->event.args_size = len > 0 ? len : 1;	/* unreadable: an empty string */
	record->event.args_count = 1;
	for (i = 1; i < TOTAL_MAX_ARGS && i < max_args; i++) {
		__u32 size = record->event.args_size;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			return 0;
		if (size > LAST_ARG_START)
			return 0;
		len = bpf_probe_read_user_str(&record->args[size], ARG_SIZE, arg);
		if (len <= 0)
			return 0;
		record->event.args_count++;
		record->event.args_size = size + len;
	}
	/* one pointer past the last argument taken: is there more? then count one extra, shown as "..." */
	if (!bpf_probe_read_user(&arg, sizeof(arg), &argv[max_args]) && arg)
		record->event.args_count++;
	return 0;
}

static __always_inline int report(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_record *record, *out;

	record = bpf_map_lookup_elem(&execs, &tid);
	if (!record)
		return 0;	/* its enter was not traced (filtered, or before we attached) */
	if (ret < 0 && !include_failed)
		goto done;
	record->event.retval = ret;
	bpf_get_current_comm(record->event.comm, sizeof(record->event.comm));
	out = event_reserve(sizeof(*out));
	if (!out)
		goto done;
	bpf_probe_read_kernel(out, sizeof(*out), record);
	event_submit(ctx, out, sizeof(*out));
done:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return gather((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return gather((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
