/*
 * load, the C side: open + load + close of one BPF object through Debian's libbpf
 * (bpf_object__open_file, bpf_object__load, bpf_object__close), ITERATIONS times in this process, each
 * timed with CLOCK_MONOTONIC. libbpf's own messages are dropped except warnings, so a failure says why.
 *
 * Usage: libbpf-load OBJECT ITERATIONS
 * Prints one JSON line: {"ns":[...per iteration...],"programs":N,"maps":M}
 * Built by bench/load/index.ts into bench/.build/.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int warnings_only(enum libbpf_print_level level, const char *format, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, format, args) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJECT ITERATIONS\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	long iterations = strtol(argv[2], NULL, 10);
	if (iterations <= 0) {
		fprintf(stderr, "libbpf-load: ITERATIONS must be a positive integer\n");
		return 2;
	}
	libbpf_set_print(warnings_only);
	uint64_t *times = calloc((size_t)iterations, sizeof(*times));
	if (!times)
		return 1;
	int programs = 0, maps = 0;
	for (long i = 0; i < iterations; i++) {
		uint64_t start = now_ns();
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			fprintf(stderr, "libbpf-load: open %s: %s\n", path, strerror(errno));
			return 1;
		}
		int err = bpf_object__load(obj);
		if (err) {
			fprintf(stderr, "libbpf-load: load %s: %s\n", path, strerror(-err));
			return 1;
		}
		if (i == 0) {
			struct bpf_program *prog;
			struct bpf_map *map;
			bpf_object__for_each_program(prog, obj) programs++;
			bpf_object__for_each_map(map, obj) maps++;
		}
		bpf_object__close(obj);
		times[i] = now_ns() - start;
	}
	printf("{\"ns\":[");
	for (long i = 0; i < iterations; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)times[i]);
	printf("],\"programs\":%d,\"maps\":%d}\n", programs, maps);
	free(times);
	return 0;
}
