/*
 * ringbuf, the C side: consumes TOTAL records from the BPF ring buffer map with id MAP_ID through
 * Debian's libbpf (ring_buffer__new + ring_buffer__poll), checking that each 64-byte record carries the
 * next sequence number, and times from the first record to the last with CLOCK_MONOTONIC.
 *
 * Usage: ringbuf-consume MAP_ID TOTAL
 * Prints "ready" once the ring is set up, then one JSON line: {"received":N,"wrong":W,"ns":T}
 * Built by bench/ringbuf/index.ts into bench/.build/.
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
	uint64_t total;
	uint64_t next;
	uint64_t received;
	uint64_t wrong;
	uint64_t first_ns;
	uint64_t last_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *context, void *data, size_t size)
{
	struct progress *progress = context;
	uint64_t seq;

	memcpy(&seq, data, sizeof(seq));
	if (progress->received == 0)
		progress->first_ns = now_ns();
	if (seq != progress->next || size != 64)
		progress->wrong++;
	progress->next = seq + 1;
	if (++progress->received == progress->total)
		progress->last_ns = now_ns();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s MAP_ID TOTAL\n", argv[0]);
		return 2;
	}
	struct progress progress = { .total = strtoull(argv[2], NULL, 10) };
	int fd = bpf_map_get_fd_by_id((uint32_t)strtoul(argv[1], NULL, 10));
	if (fd < 0) {
		fprintf(stderr, "ringbuf-consume: map id %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(fd, on_record, &progress, NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf-consume: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	uint64_t deadline = now_ns() + 120ull * 1000000000ull;
	while (progress.received < progress.total && now_ns() < deadline) {
		int err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ringbuf-consume: ring_buffer__poll: %s\n", strerror(-err));
			break;
		}
	}
	ring_buffer__free(rb);
	close(fd);
	printf("{\"received\":%llu,\"wrong\":%llu,\"ns\":%llu}\n", (unsigned long long)progress.received,
	       (unsigned long long)progress.wrong, (unsigned long long)(progress.last_ns - progress.first_ns));
	return 0;
}
