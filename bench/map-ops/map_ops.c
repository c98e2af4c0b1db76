/*
 * map-ops, the C side: the operations the TypeScript side times, through Debian's libbpf, on a hash map
 * with 4-byte keys and 8-byte values. It is a small server so the bench can alternate C and TS per
 * measurement (about 0.2 s each) instead of per process run: machine noise on this kind of VM drifts over
 * seconds, and fine-grained alternation lets both sides see the same noise.
 *
 * Usage: map_ops ENTRIES BATCH_SIZE BATCH_PASSES
 * Reads one command per line on stdin and answers one JSON line on stdout:
 *   fill     create the map if needed and insert every key (BPF_NOEXIST)  {"op":"fill","ns":...,"count":N}
 *   lookup   look up every key                                            ... "count":N
 *   update   update every key in place (BPF_EXIST)
 *   batch    bpf_map_lookup_batch over the whole map BATCH_PASSES times    ... "count":entries seen
 *   delete   delete every key
 *   quit     close the map and exit
 * "ns" is CLOCK_MONOTONIC time around the loop. Built by bench/map-ops/index.ts into bench/.build/.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t entries = 100000, batch = 4096, passes = 10;
static int fd = -1;
/* values read are summed here so nothing about a lookup is dead */
static volatile uint64_t checksum;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "map_ops: %s: %s\n", what, strerror(err < 0 ? -err : err));
	if (fd >= 0)
		close(fd);
	exit(1);
}

static uint64_t fill(void)
{
	if (fd < 0) {
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_c", sizeof(uint32_t), sizeof(uint64_t), entries, NULL);
		if (fd < 0)
			die("bpf_map_create", fd);
	}
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = (uint64_t)k * 3;
		int err = bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST);
		if (err)
			die("fill", err);
	}
	return entries;
}

static uint64_t lookup(void)
{
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v;
		int err = bpf_map_lookup_elem(fd, &k, &v);
		if (err)
			die("lookup", err);
		checksum += v;
	}
	return entries;
}

static uint64_t update(void)
{
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = (uint64_t)k + 1;
		int err = bpf_map_update_elem(fd, &k, &v, BPF_EXIST);
		if (err)
			die("update", err);
	}
	return entries;
}

static uint32_t *keys;
static uint64_t *values;

static uint64_t lookup_batch(void)
{
	uint64_t seen = 0;
	for (uint32_t p = 0; p < passes; p++) {
		uint32_t token = 0;
		int first = 1;
		for (;;) {
			LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = 0, .flags = 0);
			uint32_t count = batch;
			int err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values, &count, &opts);
			first = 0;
			seen += count;
			if (count)
				checksum += values[count - 1];
			if (err == -ENOENT)
				break;
			if (err)
				die("lookup_batch", err);
		}
	}
	return seen;
}

static uint64_t delete_all(void)
{
	for (uint32_t k = 0; k < entries; k++) {
		int err = bpf_map_delete_elem(fd, &k);
		if (err)
			die("delete", err);
	}
	return entries;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		entries = (uint32_t)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		batch = (uint32_t)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		passes = (uint32_t)strtoul(argv[3], NULL, 10);
	keys = malloc((size_t)batch * sizeof(*keys));
	values = malloc((size_t)batch * sizeof(*values));
	if (!keys || !values)
		die("malloc", ENOMEM);

	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		uint64_t (*op)(void) = NULL;
		if (!strcmp(line, "fill"))
			op = fill;
		else if (!strcmp(line, "lookup"))
			op = lookup;
		else if (!strcmp(line, "update"))
			op = update;
		else if (!strcmp(line, "batch"))
			op = lookup_batch;
		else if (!strcmp(line, "delete"))
			op = delete_all;
		else if (!strcmp(line, "quit"))
			break;
		else {
			fprintf(stderr, "map_ops: unknown command '%s'\n", line);
			break;
		}
		if (fd < 0 && op != fill)
			die(line, EBADF);
		uint64_t t0 = now_ns();
		uint64_t count = op();
		uint64_t ns = now_ns() - t0;
		printf("{\"op\":\"%s\",\"ns\":%llu,\"count\":%llu}\n", line, (unsigned long long)ns, (unsigned long long)count);
		fflush(stdout);
	}
	if (fd >= 0)
		close(fd);
	free(keys);
	free(values);
	return 0;
}
