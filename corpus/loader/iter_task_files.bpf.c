// SPDX-License-Identifier: GPL-2.0
/* tsbpf's owners iterator (src/inspect/owners-iterator.ts): one pass over every task's open files
 * (iter/task_file), writing a fixed-size record for each BPF program, map, link and BTF fd: the process
 * (tgid), its leader's comm, the object's kind and id. bpftool's pid_iter makes one pass per kind and
 * tells the kinds apart by f_op (kernel symbols); here the anon inode's dentry name, which is what
 * /proc/PID/fd shows after "anon_inode:", tells them apart in one pass with no ksym lookup.
 * The kernel visits a thread only when its file table differs from its leader's, so each process
 * comes once; the reader still merges repeats by pid.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads as a tracing program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* The record layout, little-endian: owners-iterator.ts reads it. */
struct owner_record {
  __u32 pid;
  __u32 id;
  __u32 kind; /* 1 program, 2 map, 3 link, 4 BTF object */
  char comm[16];
};

/* "bpf-prog", "bpf-map\0", "bpf_link" (or "bpf-link"), "btf\0" as little-endian 64-bit words. */
#define NAME_PROG 0x676f72702d667062ULL
#define NAME_MAP  0x0070616d2d667062ULL
#define NAME_LINK 0x6b6e696c5f667062ULL
/* "bpf-link": the name of a link fd made again from an existing link (BPF_LINK_GET_FD_BY_ID, BPF_OBJ_GET) */
#define NAME_LINK_AGAIN 0x6b6e696c2d667062ULL
#define NAME_BTF  0x0000000000667462ULL

SEC("iter/task_file")
int task_files(struct bpf_iter__task_file *ctx)
{
  struct file *file = ctx->file;
  struct task_struct *task = ctx->task;
  struct owner_record record;
  __u64 name[2] = {};
  const unsigned char *dname;
  void *object;

  if (!file || !task)
    return 0;
  dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
  if (!dname || bpf_probe_read_kernel_str(name, sizeof(name), dname) < 0 || name[1] != 0)
    return 0;

  __builtin_memset(&record, 0, sizeof(record));
  object = BPF_CORE_READ(file, private_data);
  if (name[0] == NAME_PROG) {
    record.kind = 1;
    record.id = BPF_CORE_READ((struct bpf_prog *)object, aux, id);
  } else if (name[0] == NAME_MAP) {
    record.kind = 2;
    record.id = BPF_CORE_READ((struct bpf_map *)object, id);
  } else if (name[0] == NAME_LINK || name[0] == NAME_LINK_AGAIN) {
    record.kind = 3;
    record.id = BPF_CORE_READ((struct bpf_link *)object, id);
  } else if (name[0] == NAME_BTF) {
    record.kind = 4;
    record.id = BPF_CORE_READ((struct btf *)object, id);
  } else {
    return 0;
  }
  record.pid = task->tgid;
  bpf_probe_read_kernel_str(record.comm, sizeof(record.comm), BPF_CORE_READ(task, group_leader, comm));
  bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
