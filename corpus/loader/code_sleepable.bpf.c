// SPDX-License-Identifier: GPL-2.0
/* Feature: sleepable programs (BPF_F_SLEEPABLE): a syscall program, a sleepable task iterator
 * (iter.s/task) using bpf_copy_from_user_task, and a sleepable uprobe (uprobe.s).
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads all three (syscall, tracing iterator,
 * kprobe-type uprobe), each with BPF_F_SLEEPABLE. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct answer_request {
  __u32 pid;
  __u32 result;
};

SEC("syscall")
int answer(struct answer_request *request)
{
  request->result = request->pid + 1;
  return 0;
}

SEC("iter.s/task")
int read_user_stacks(struct bpf_iter__task *ctx)
{
  struct task_struct *task = ctx->task;
  __u64 word = 0;

  if (!task || !task->mm)
    return 0;
  bpf_copy_from_user_task(&word, sizeof(word), (void *)task->mm->start_stack, task, 0);
  BPF_SEQ_PRINTF(ctx->meta->seq, "%d %llx\n", task->pid, word);
  return 0;
}

SEC("uprobe.s")
int BPF_KPROBE(sleepy_uprobe, const char *path)
{
  char buffer[16];

  bpf_copy_from_user(buffer, sizeof(buffer), path);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
