// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop: every open(2), openat(2) and openat2(2) with its result. The enter tracepoint remembers
 * the arguments per thread; the exit tracepoint pairs them with the result and sends one event.
 * Filters are .rodata constants the front end sets before load, so the verifier removes the code of
 * the filters not asked for; the comm filter (-n) stays in user space, as in libbpf-tools.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "tools.bpf.h"
#include "opensnoop.h"

#define O_CREAT 0100
#define O_TMPFILE 020200000

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pid = 0;
const volatile __u32 targ_uid = INVALID_UID;
const volatile bool targ_failed = false;
const volatile bool full_path = false;

BTF_TYPE(struct event, event);
BTF_TYPE(struct path_names, path_names);

struct open_args {
	const char *fname;
	__s32 flags;
	__u32 mode;
};

/* Arguments of the opens in flight, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} start SEC(".maps");

/* Opens seen, by result (enum open_result), per CPU: what `tsbpf tour` shows as the map's counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} open_counts SEC(".maps");

static __always_inline bool traced(__u64 pid_tgid)
{
	if (targ_tgid && targ_tgid != pid_tgid >> 32)
		return false;
	if (targ_pid && targ_pid != (__u32)pid_tgid)
		return false;
	if (targ_uid != INVALID_UID && targ_uid != (__u32)bpf_get_current_uid_gid())
		return false;
	return true;
}

static __always_inline int remember(const char *fname, __s32 flags, __u32 mode)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;
	struct open_args args = { .fname = fname, .flags = flags, .mode = mode };

	if (traced(pid_tgid))
		bpf_map_update_elem(&start, &tid, &args, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return remember((const char *)ctx->args[0], (__s32)ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return remember((const char *)ctx->args[1], (__s32)ctx->args[2], (__u32)ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return remember((const char *)ctx->args[1], (__s32)how.flags, (__u32)how.mode);
}

/*
 * Names of the working directory from the innermost up to the process's root, crossing mount points (libbpf-tools
 * walks on to the namespace's root, which prints a chrooted process's paths wrong). One name per
 * step (index = step), so the verifier sees a plain bounded loop.
 */
static __always_inline void walk_cwd(struct event *event, struct path_names *names)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *dentry = BPF_CORE_READ(task, fs, pwd.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(task, fs, pwd.mnt);
	struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	/* the process's own root (a chroot, a container): paths are printed as the process sees them */
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	__u32 step;

	for (step = 0; step < PATH_DEPTH_MAX; step++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (dentry == root && vfsmnt == root_mnt) {
			event->path_depth = step;
			return;
		}

		if (dentry == mnt_root || dentry == parent) {
			struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

			if (mnt == mnt_parent) {	/* the real root */
				event->path_depth = step;
				return;
			}
			/* continue from where this mount sits in its parent */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			parent = BPF_CORE_READ(dentry, d_parent);
			if (dentry == root && vfsmnt == root_mnt) {
				event->path_depth = step;
				return;
			}
		}
		if (bpf_probe_read_kernel_str(names->name[step], sizeof(names->name[0]), BPF_CORE_READ(dentry, d_name.name)) < 0)
			break;
		dentry = parent;
	}
	event->path_depth = step;
	event->path_truncated = 1;
}

static __always_inline int report(void *ctx, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = pid_tgid;
	__u32 slot = ret < 0 ? OPEN_FAILED : OPEN_OK;
	struct open_args *args;
	struct event *event;
	__u32 size = sizeof(struct event);
	__u64 *count;

	args = bpf_map_lookup_elem(&start, &tid);
	if (!args)
		return 0;	/* its enter was not traced (filtered, or before we attached) */
	count = bpf_map_lookup_elem(&open_counts, &slot);
	if (count)
		*count += 1;
	if (targ_failed && ret >= 0)
		goto done;
	if (full_path)
		size += sizeof(struct path_names);
	event = event_reserve(full_path ? sizeof(struct event) + sizeof(struct path_names) : sizeof(struct event));
	if (!event)
		goto done;
	event->pid = pid_tgid >> 32;
	event->tid = tid;
	event->uid = (__u32)bpf_get_current_uid_gid();
	event->ret = ret;
	event->flags = args->flags;
	event->mode = (args->flags & O_CREAT) || (args->flags & O_TMPFILE) == O_TMPFILE ? args->mode : 0;
	event->path_depth = 0;
	event->path_truncated = 0;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	bpf_probe_read_user_str(event->fname, sizeof(event->fname), args->fname);
	if (full_path && event->fname[0] != '/')
		walk_cwd(event, (struct path_names *)(event + 1));
	event_submit(ctx, event, size);
done:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return report(ctx, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
