// SPDX-License-Identifier: GPL-2.0
/*
 * The object the `load` benchmark opens, loads and closes: opensnoop's shape (our own C), sized like
 * the real tool. Six tracepoint programs (enter and exit of open, openat, openat2), a hash map of
 * in-flight calls keyed by thread id, a ring buffer of events, .rodata filters set before load, and
 * CO-RE reads of task_struct fields, so a load resolves relocations against the kernel's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define INVALID_UID ((uid_t)-1)
#define COMM_LENGTH 16
#define PATH_LENGTH 255

const volatile pid_t targ_pid = 0;
const volatile pid_t targ_tgid = 0;
const volatile uid_t targ_uid = INVALID_UID;
const volatile bool targ_failed = false;

struct open_call {
  const char *path;
  int flags;
  __u64 mode;
};

struct open_event {
  __u64 timestamp;
  __u32 pid;
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  __u32 mount_namespace;
  int result;
  int flags;
  __u64 mode;
  __u64 cgroup;
  char comm[COMM_LENGTH];
  char path[PATH_LENGTH];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, __u32);
  __type(value, struct open_call);
} in_flight SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline bool wanted(void)
{
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32, tid = (__u32)id;
  if (targ_tgid && targ_tgid != tgid)
    return false;
  if (targ_pid && targ_pid != tid)
    return false;
  if (targ_uid != INVALID_UID && targ_uid != (__u32)bpf_get_current_uid_gid())
    return false;
  return true;
}

static __always_inline int remember(const char *path, int flags, __u64 mode)
{
  if (!wanted())
    return 0;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct open_call call = { .path = path, .flags = flags, .mode = mode };
  bpf_map_update_elem(&in_flight, &tid, &call, BPF_ANY);
  return 0;
}

static __always_inline int report(long result)
{
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct open_call *call = bpf_map_lookup_elem(&in_flight, &tid);
  if (!call)
    return 0;
  if (targ_failed && result >= 0)
    goto done;
  struct open_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
  if (!event)
    goto done;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  __u64 id = bpf_get_current_pid_tgid();
  event->timestamp = bpf_ktime_get_ns();
  event->pid = id >> 32;
  event->tid = (__u32)id;
  event->ppid = BPF_CORE_READ(task, real_parent, tgid);
  event->uid = (__u32)bpf_get_current_uid_gid();
  event->mount_namespace = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
  event->cgroup = bpf_get_current_cgroup_id();
  event->result = result;
  event->flags = call->flags;
  event->mode = call->mode;
  bpf_get_current_comm(event->comm, sizeof(event->comm));
  bpf_probe_read_user_str(event->path, sizeof(event->path), call->path);
  bpf_ringbuf_submit(event, 0);
done:
  bpf_map_delete_elem(&in_flight, &tid);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int opensnoop_enter_open(struct trace_event_raw_sys_enter *ctx)
{
  return remember((const char *)ctx->args[0], (int)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int opensnoop_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
  return remember((const char *)ctx->args[1], (int)ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int opensnoop_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
  struct open_how how = {};
  bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
  return remember((const char *)ctx->args[1], (int)how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_exit_open")
int opensnoop_exit_open(struct trace_event_raw_sys_exit *ctx)
{
  return report(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int opensnoop_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
  return report(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int opensnoop_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
  return report(ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
