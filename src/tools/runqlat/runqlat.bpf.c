// SPDX-License-Identifier: GPL-2.0
/*
 * runqlat: how long tasks wait on a run queue between becoming runnable (woken, newly created, or
 * preempted while still running) and getting the CPU. Wakeups stamp the thread; the switch to it
 * closes the wait and counts it in a log2 histogram, one per process, thread, PID namespace, or in
 * total. Each hook is here twice: tp_btf (typed arguments, cheaper) and raw_tp for kernels without
 * tp_btf; the front end loads one set, chosen by feature probe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#define TOOLS_NO_EVENTS
#include "tools.bpf.h"
#include "cgroup_filter.bpf.h"
#include "runqlat.h"

#define MAX_ENTRIES 10240
#define TASK_RUNNING 0

const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
const volatile bool targ_per_pidns = false;
const volatile bool targ_ms = false;
const volatile __u32 targ_tgid = 0;

BTF_TYPE(struct hist, hist);

/* When each runnable thread was queued, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

/* Histograms by tgid, tid, PID namespace inode, or HIST_KEY_ALL; the front end reads and clears them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

static const struct hist empty_hist;

/* task_struct's `state` became `__state` in 5.14. */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *task)
{
	struct task_struct___pre_5_14 *old = (void *)task;

	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ(old, state);
}

static __always_inline int enqueued(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 tid = BPF_CORE_READ(task, pid);
	__u64 now;

	if (!tid)	/* the idle task never waits */
		return 0;
	if (targ_tgid && targ_tgid != tgid)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

/* The inode of the task's active PID namespace: pid->numbers[pid->level].ns. */
static __always_inline __u32 pid_namespace(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid;

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return BPF_CORE_READ(upid.ns, ns.inum);
}

static __always_inline int switched(struct task_struct *prev, struct task_struct *next)
{
	__u32 tid, key;
	__u64 *queued;
	struct hist *hist;
	__s64 delta;
	__u64 slot;

	if (task_state(prev) == TASK_RUNNING)	/* preempted: it waits again from now */
		enqueued(prev);
	tid = BPF_CORE_READ(next, pid);
	queued = bpf_map_lookup_elem(&start, &tid);
	if (!queued)
		return 0;
	delta = bpf_ktime_get_ns() - *queued;
	if (delta < 0)
		goto done;
	if (targ_per_process)
		key = BPF_CORE_READ(next, tgid);
	else if (targ_per_thread)
		key = tid;
	else if (targ_per_pidns)
		key = pid_namespace(next);
	else
		key = HIST_KEY_ALL;
	hist = bpf_map_lookup_elem(&hists, &key);
	if (!hist) {
		bpf_map_update_elem(&hists, &key, &empty_hist, BPF_NOEXIST);
		hist = bpf_map_lookup_elem(&hists, &key);
		if (!hist)
			goto done;
	}
	if (!hist->comm[0])
		bpf_probe_read_kernel_str(hist->comm, sizeof(hist->comm), next->comm);
	delta /= targ_ms ? 1000000 : 1000;
	slot = histogram_slot(delta, MAX_SLOTS);
	__sync_fetch_and_add(&hist->slots[slot], 1);
done:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	return cgroup_excluded() ? 0 : enqueued(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *p)
{
	return cgroup_excluded() ? 0 : enqueued(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return cgroup_excluded() ? 0 : switched(prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	return cgroup_excluded() ? 0 : enqueued(p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_raw, struct task_struct *p)
{
	return cgroup_excluded() ? 0 : enqueued(p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return cgroup_excluded() ? 0 : switched(prev, next);
}

char LICENSE[] SEC("license") = "GPL";
