// SPDX-License-Identifier: GPL-2.0
/* Consumer side of the user ring buffer test: a syscall program (run with BPF_PROG_TEST_RUN) drains
 * BPF_MAP_TYPE_USER_RINGBUF records that user space produced, and reports in its context how many it
 * saw, their sum, the bytes, and how many arrived out of order or could not be read.
 * Each record starts with a u64 sequence number; the test numbers them from `expected`.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_USER_RINGBUF);
  __uint(max_entries, 16 * 1024);
} commands SEC(".maps");

struct drain_report {
  __u64 expected;
  __u64 count;
  __u64 sum;
  __u64 out_of_order;
  __u64 unreadable;
  __s64 drained;
};

static long on_record(struct bpf_dynptr *dynptr, void *context)
{
  struct drain_report *report = context;
  __u64 seq;

  if (bpf_dynptr_read(&seq, sizeof(seq), dynptr, 0, 0)) {
    report->unreadable++;
    return 0;
  }
  if (seq != report->expected)
    report->out_of_order++;
  report->expected = seq + 1;
  report->count++;
  report->sum += seq;
  return 0;
}

SEC("syscall")
int drain(struct drain_report *args)
{
  struct drain_report report = { .expected = args->expected };

  report.drained = bpf_user_ringbuf_drain(&commands, on_record, &report, 0);
  args->expected = report.expected;
  args->count = report.count;
  args->sum = report.sum;
  args->out_of_order = report.out_of_order;
  args->unreadable = report.unreadable;
  args->drained = report.drained;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
