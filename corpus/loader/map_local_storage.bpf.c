// SPDX-License-Identifier: GPL-2.0
/* Feature: local storage maps (task, inode, socket and cgroup storage): BTF key and value,
 * BPF_F_NO_PREALLOC and max_entries 0; task storage is used from a tp_btf program and socket
 * storage from a cgroup_skb program, inode storage is only created.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads; the storage maps have max_entries 0 and
 * flags 0x1 (bpftool 7.1 prints cgrp_storage as type 32). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct task_note {
  __u64 switches;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct task_note);
} task_notes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_INODE_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u32);
} inode_tags SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} socket_bytes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} cgroup_forks SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(note_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
  struct task_note *note = bpf_task_storage_get(&task_notes, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

  if (note)
    note->switches++;
  return 0;
}

SEC("cgroup_skb/egress")
int socket_account(struct __sk_buff *skb)
{
  struct bpf_sock *sk = skb->sk;
  __u64 *bytes;

  if (!sk)
    return 1;
  sk = bpf_sk_fullsock(sk);
  if (!sk)
    return 1;
  bytes = bpf_sk_storage_get(&socket_bytes, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (bytes)
    *bytes += skb->len;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
