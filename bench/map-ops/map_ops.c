/*
 * map-ops, the C side: one round of the same operations the TypeScript side times, through Debian's
 * libbpf. Hash map, 4-byte key, 8-byte value. Prints one JSON line:
 *   {"side":"c","lookup":ns/op,"update":ns/op,"delete":ns/op,"batch":ns/entry,...}
 * Usage: map_ops ENTRIES BATCH_SIZE BATCH_PASSES
 * Built by bench/map-ops/index.ts into bench/.build/ at run time; not meant to be run by hand, though it can.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "map_ops: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void fill(int fd, uint32_t entries)
{
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = (uint64_t)k * 3;
		int err = bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST);
		if (err)
			die("fill", err);
	}
}

int main(int argc, char **argv)
{
	uint32_t entries = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	uint32_t batch = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 4096;
	uint32_t passes = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10;
	uint64_t checksum = 0;

	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_c", sizeof(uint32_t), sizeof(uint64_t), entries, NULL);
	if (fd < 0)
		die("bpf_map_create", fd);
	fill(fd, entries);

	/* lookup every key */
	uint64_t t0 = now_ns();
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v;
		int err = bpf_map_lookup_elem(fd, &k, &v);
		if (err)
			die("lookup", err);
		checksum += v;
	}
	uint64_t lookup_ns = now_ns() - t0;

	/* update every key in place */
	t0 = now_ns();
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = (uint64_t)k + 1;
		int err = bpf_map_update_elem(fd, &k, &v, BPF_EXIST);
		if (err)
			die("update", err);
	}
	uint64_t update_ns = now_ns() - t0;

	/* batch lookup of the whole map, `passes` times */
	uint32_t *keys = malloc((size_t)batch * sizeof(uint32_t));
	uint64_t *values = malloc((size_t)batch * sizeof(uint64_t));
	if (!keys || !values)
		die("malloc", ENOMEM);
	uint64_t batch_entries = 0;
	t0 = now_ns();
	for (uint32_t p = 0; p < passes; p++) {
		uint32_t token = 0;
		int first = 1;
		for (;;) {
			LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = 0, .flags = 0);
			uint32_t count = batch;
			int err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values, &count, &opts);
			first = 0;
			batch_entries += count;
			if (count)
				checksum += values[count - 1];
			if (err == -ENOENT)
				break;
			if (err)
				die("lookup_batch", err);
		}
	}
	uint64_t batch_ns = now_ns() - t0;
	if (batch_entries != (uint64_t)entries * passes) {
		fprintf(stderr, "map_ops: batch lookup saw %llu entries, expected %llu\n",
			(unsigned long long)batch_entries, (unsigned long long)entries * passes);
		return 1;
	}

	/* delete every key */
	t0 = now_ns();
	for (uint32_t k = 0; k < entries; k++) {
		int err = bpf_map_delete_elem(fd, &k);
		if (err)
			die("delete", err);
	}
	uint64_t delete_ns = now_ns() - t0;

	free(keys);
	free(values);
	close(fd);
	printf("{\"side\":\"c\",\"lookup\":%.1f,\"update\":%.1f,\"delete\":%.1f,\"batch\":%.2f,"
	       "\"entries\":%u,\"batchSize\":%u,\"batchPasses\":%u,\"checksum\":\"%llu\"}\n",
	       (double)lookup_ns / entries, (double)update_ns / entries, (double)delete_ns / entries,
	       (double)batch_ns / (double)batch_entries, entries, batch, passes, (unsigned long long)checksum);
	return 0;
}
