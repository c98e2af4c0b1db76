// SPDX-License-Identifier: GPL-2.0
/* Feature: BPF iterators over tasks and over BPF maps (iter/task, iter/bpf_map), printing with
 * BPF_SEQ_PRINTF into the seq_file.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both as tracing programs; creates
 * prog_ite.rodata for the format strings. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("iter/task")
int list_tasks(struct bpf_iter__task *ctx)
{
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;

  if (!task)
    return 0;
  BPF_SEQ_PRINTF(seq, "%d %s\n", task->pid, task->comm);
  return 0;
}

SEC("iter/bpf_map")
int list_maps(struct bpf_iter__bpf_map *ctx)
{
  struct seq_file *seq = ctx->meta->seq;
  struct bpf_map *map = ctx->map;

  if (!map)
    return 0;
  if (ctx->meta->seq_num == 0)
    BPF_SEQ_PRINTF(seq, "id max_entries\n");
  BPF_SEQ_PRINTF(seq, "%u %u\n", map->id, map->max_entries);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
