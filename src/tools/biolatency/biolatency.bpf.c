// SPDX-License-Identifier: GPL-2.0
/*
 * biolatency: block I/O latency from issue (or, with -Q, from insertion into the OS queue) to
 * completion, as log2 histograms in total, per disk (-D) or per operation and flags (-F). Requests
 * are stamped by address at insert/issue and counted at completion. Each hook is here twice: tp_btf and
 * raw_tp for kernels without tp_btf; the front end loads one set, chosen by feature probe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#define TOOLS_NO_EVENTS
#include "tools.bpf.h"
#include "cgroup_filter.bpf.h"
#include "biolatency.h"

#define MAX_ENTRIES 10240
/* The operation sits in the low bits of cmd_flags (REQ_OP_BITS, 8 since 4.10), the flag bits above. */
#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)

extern int LINUX_KERNEL_VERSION __kconfig;

const volatile bool targ_per_disk = false;
const volatile bool targ_per_flag = false;
const volatile bool targ_queued = false;
const volatile bool targ_ms = false;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;

BTF_TYPE(struct hist_key, hist_key);
BTF_TYPE(struct hist, hist);
BTF_TYPE(enum biolat_flag, biolat_flag);

/* When each request in flight was inserted or issued, by its address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct request *);
	__type(value, __u64);
} start SEC(".maps");

/* Histograms by disk and flags; the front end reads and clears them each interval. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hists SEC(".maps");

static const struct hist empty_hist;

/* The request's disk: request->rq_disk until 5.16, request->q->disk since. */
struct request_queue___disk {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___disk {
	struct request_queue___disk *q;
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 request_dev(void *rq)
{
	struct request___disk *request = rq;
	struct gendisk *disk;

	if (bpf_core_field_exists(request->rq_disk))
		disk = BPF_CORE_READ(request, rq_disk);
	else
		disk = BPF_CORE_READ(request, q, disk);
	return disk ? MKDEV(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor)) : 0;
}

#define OP_IF(name) \
	if (bpf_core_enum_value_exists(enum req_op, REQ_OP_##name) && op == bpf_core_enum_value(enum req_op, REQ_OP_##name)) \
		return BIOLAT_OP_##name

static __always_inline enum biolat_op request_op(__u32 cmd_flags)
{
	__u32 op = cmd_flags & REQ_OP_MASK;

	OP_IF(READ);
	OP_IF(WRITE);
	OP_IF(FLUSH);
	OP_IF(DISCARD);
	OP_IF(SECURE_ERASE);
	OP_IF(ZONE_APPEND);
	OP_IF(WRITE_ZEROES);
	OP_IF(ZONE_OPEN);
	OP_IF(ZONE_CLOSE);
	OP_IF(ZONE_FINISH);
	OP_IF(ZONE_RESET);
	OP_IF(ZONE_RESET_ALL);
	OP_IF(DRV_IN);
	OP_IF(DRV_OUT);
	return BIOLAT_OP_UNKNOWN;
}

#define FLAG_IF(name) \
	if (bpf_core_enum_value_exists(enum req_flag_bits, __REQ_##name) && \
	    (cmd_flags & (1U << bpf_core_enum_value(enum req_flag_bits, __REQ_##name)))) \
		flags |= BIOLAT_FLAG_##name

static __always_inline __u32 request_flags(__u32 cmd_flags)
{
	__u32 flags = 0;

	FLAG_IF(NOWAIT);
	FLAG_IF(BACKGROUND);
	FLAG_IF(RAHEAD);
	FLAG_IF(PREFLUSH);
	FLAG_IF(FUA);
	FLAG_IF(INTEGRITY);
	FLAG_IF(IDLE);
	FLAG_IF(NOMERGE);
	FLAG_IF(PRIO);
	FLAG_IF(META);
	FLAG_IF(SYNC);
	return flags;
}

static __always_inline int request_started(struct request *rq, bool issue)
{
	__u64 now;

	if (cgroup_excluded())
		return 0;
	/* -Q with an I/O scheduler: the insert already stamped it; keep the earlier time */
	if (issue && targ_queued && BPF_CORE_READ(rq, q, elevator))
		return 0;
	if (filter_dev && request_dev(rq) != targ_dev)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &rq, &now, BPF_ANY);
	return 0;
}

static __always_inline int request_completed(struct request *rq)
{
	struct hist_key key = {};
	struct hist *hist;
	__u64 *started;
	__s64 delta;
	__u64 slot;

	if (cgroup_excluded())
		return 0;
	started = bpf_map_lookup_elem(&start, &rq);
	if (!started)
		return 0;
	delta = bpf_ktime_get_ns() - *started;
	if (delta < 0)
		goto done;
	if (targ_per_disk)
		key.dev = request_dev(rq);
	if (targ_per_flag) {
		__u32 cmd_flags = BPF_CORE_READ(rq, cmd_flags);

		key.op = request_op(cmd_flags);
		key.flags = request_flags(cmd_flags);
	}
	hist = bpf_map_lookup_elem(&hists, &key);
	if (!hist) {
		bpf_map_update_elem(&hists, &key, &empty_hist, BPF_NOEXIST);
		hist = bpf_map_lookup_elem(&hists, &key);
		if (!hist)
			goto done;
	}
	delta /= targ_ms ? 1000000 : 1000;
	slot = histogram_slot(delta, MAX_SLOTS);
	__sync_fetch_and_add(&hist->slots[slot], 1);
done:
	bpf_map_delete_elem(&start, &rq);
	return 0;
}

/* block_rq_insert and block_rq_issue lost their request_queue argument in 5.11. */
static __always_inline struct request *inserted_or_issued(__u64 *ctx)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		return (struct request *)ctx[1];
	return (struct request *)ctx[0];
}

SEC("tp_btf/block_rq_insert")
int block_rq_insert_btf(__u64 *ctx)
{
	return request_started(inserted_or_issued(ctx), false);
}

SEC("tp_btf/block_rq_issue")
int block_rq_issue_btf(__u64 *ctx)
{
	return request_started(inserted_or_issued(ctx), true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return request_completed(rq);
}

SEC("raw_tp/block_rq_insert")
int block_rq_insert_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return request_started(inserted_or_issued(ctx->args), false);
}

SEC("raw_tp/block_rq_issue")
int block_rq_issue_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return request_started(inserted_or_issued(ctx->args), true);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return request_completed(rq);
}

char LICENSE[] SEC("license") = "GPL";
