/* SPDX-License-Identifier: MIT */
/*
 * What every tsbpf tool's BPF side shares: one event channel, `events`, that is a ring buffer on kernels
 * that have them and a perf buffer elsewhere. The map is declared as a perf event array; before load the
 * front end (src/tools/common/event-channel.ts) turns it into a ring buffer when the kernel has one and
 * sets `use_ringbuf`, a frozen .rodata constant, so the verifier never walks the branch the kernel lacks.
 * Records that find no room in a ring buffer, or that a perf buffer refuses (no reader on that CPU), are
 * counted in `events_dropped`; a perf buffer also counts its own overruns in PERF_RECORD_LOST.
 */
#ifndef TSBPF_TOOLS_BPF_H
#define TSBPF_TOOLS_BPF_H

#ifndef EVENT_MAX_SIZE
#define EVENT_MAX_SIZE 10240
#endif

#define TASK_COMM_LEN 16
#define INVALID_UID ((uid_t)-1)

/*
 * Puts a type into the object's BTF for the front end to decode with (clang keeps only the types that
 * globals and functions use): BTF_TYPE(struct event, event);
 */
#define BTF_TYPE(type, name) type *btf_type_##name __attribute__((unused))

#ifndef TOOLS_NO_EVENTS	/* histogram tools define it: they send no events */
const volatile bool use_ringbuf = false;
__u64 events_dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

/* Perf buffer mode builds each record here first: bpf_perf_event_output copies, it cannot reserve. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, EVENT_MAX_SIZE);
} event_scratch SEC(".maps");

static __always_inline void *event_reserve(__u32 size)
{
	__u32 zero = 0;
	void *record;

	if (!use_ringbuf)
		return bpf_map_lookup_elem(&event_scratch, &zero);
	record = bpf_ringbuf_reserve(&events, size, 0);
	if (!record)
		__sync_fetch_and_add(&events_dropped, 1);
	return record;
}

static __always_inline void event_submit(void *ctx, void *record, __u32 size)
{
	if (use_ringbuf)
		bpf_ringbuf_submit(record, 0);
	else if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, record, size) < 0)
		__sync_fetch_and_add(&events_dropped, 1);
}

#endif /* TOOLS_NO_EVENTS */

/* Index of the highest set bit: the log2 histogram slot of v (0 for 0 and 1). */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 shift, r = 0;

	shift = (v > 0xffffffff) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * log2_slot(v) capped at slots - 1, as an index into a histogram of `slots` counters. The empty asm
 * hides from clang that the slot's upper half is zero, so the cap stays a 64-bit compare: with
 * -mcpu=v3 clang otherwise tests the low half alone (a JMP32), and 6.1's verifier then still takes the
 * 64-bit index as unbounded and refuses the array access.
 */
static __always_inline __u64 histogram_slot(__u64 v, __u64 slots)
{
	__u64 slot = log2_slot(v);

	asm volatile("" : "+r"(slot));
	return slot < slots ? slot : slots - 1;
}

#endif
