/*
 * perfbuf, the C side: reads the perf event array with id MAP_ID through Debian's libbpf with its
 * defaults (perf_buffer__new: PERF_COUNT_SW_BPF_OUTPUT, sample_period 1, wakeup_events 1; PAGES data
 * pages per CPU; perf_buffer__poll), counting samples and lost samples, until the first end marker
 * (a sample whose sequence number is END_BASE + k: markers 0..k-1 were lost). Times from the first
 * sample to the last data sample with CLOCK_MONOTONIC.
 *
 * Usage: perfbuf-consume MAP_ID PAGES END_BASE
 * Prints "ready" once the rings are set up, then one JSON line:
 *   {"received":N,"lost":L,"marker":k,"wrong":W,"ns":T}
 * Built by bench/perfbuf/index.ts into bench/.build/.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct progress {
	uint64_t end_base;
	uint64_t next;
	uint64_t received;
	uint64_t lost;
	uint64_t wrong;
	int64_t marker;
	uint64_t first_ns;
	uint64_t last_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_sample(void *context, int cpu, void *data, __u32 size)
{
	struct progress *progress = context;
	uint64_t seq;

	(void)cpu;
	if (size < sizeof(seq)) {
		progress->wrong++;
		return;
	}
	memcpy(&seq, data, sizeof(seq));
	if (seq >= progress->end_base) {
		if (progress->marker < 0)
			progress->marker = (int64_t)(seq - progress->end_base);
		return;
	}
	uint64_t now = now_ns();
	if (progress->received == 0)
		progress->first_ns = now;
	progress->last_ns = now;
	if (seq < progress->next)
		progress->wrong++;
	progress->next = seq + 1;
	progress->received++;
}

static void on_lost(void *context, int cpu, __u64 count)
{
	(void)cpu;
	((struct progress *)context)->lost += count;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s MAP_ID PAGES END_BASE\n", argv[0]);
		return 2;
	}
	struct progress progress = { .end_base = strtoull(argv[3], NULL, 10), .marker = -1 };
	int fd = bpf_map_get_fd_by_id((uint32_t)strtoul(argv[1], NULL, 10));
	if (fd < 0) {
		fprintf(stderr, "perfbuf-consume: map id %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct perf_buffer *pb = perf_buffer__new(fd, strtoul(argv[2], NULL, 10), on_sample, on_lost, &progress, NULL);
	if (!pb) {
		fprintf(stderr, "perfbuf-consume: perf_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	uint64_t deadline = now_ns() + 120ull * 1000000000ull;
	while (progress.marker < 0 && now_ns() < deadline) {
		int err = perf_buffer__poll(pb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "perfbuf-consume: perf_buffer__poll: %s\n", strerror(-err));
			break;
		}
	}
	perf_buffer__free(pb);
	close(fd);
	printf("{\"received\":%llu,\"lost\":%llu,\"marker\":%lld,\"wrong\":%llu,\"ns\":%llu}\n",
	       (unsigned long long)progress.received, (unsigned long long)progress.lost, (long long)progress.marker,
	       (unsigned long long)progress.wrong, (unsigned long long)(progress.last_ns - progress.first_ns));
	return 0;
}
