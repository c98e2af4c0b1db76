// btf-parse, the C side: libbpf's btf__parse on a raw BTF file (read + parse + index of type
// offsets, what libbpf does before any query), then a first btf__find_by_name_kind. Prints one JSON
// line: per-iteration nanoseconds for each figure. Usage: btf_parse PATH ITERATIONS NAME
#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PATH ITERATIONS NAME\n", argv[0]);
		return 2;
	}
	int iterations = atoi(argv[2]);
	printf("{\"parse\":[");
	for (int i = 0; i < iterations; i++) {
		long long start = now_ns();
		struct btf *btf = btf__parse(argv[1], NULL);
		long long parsed = now_ns();
		if (!btf) {
			fprintf(stderr, "btf__parse %s failed\n", argv[1]);
			return 1;
		}
		printf("%s%lld", i ? "," : "", parsed - start);
		btf__free(btf);
	}
	printf("],\"find\":[");
	for (int i = 0; i < iterations; i++) {
		struct btf *btf = btf__parse(argv[1], NULL);
		if (!btf)
			return 1;
		long long start = now_ns();
		int id = btf__find_by_name_kind(btf, argv[3], BTF_KIND_STRUCT);
		long long found = now_ns();
		if (id <= 0) {
			fprintf(stderr, "no struct %s\n", argv[3]);
			return 1;
		}
		printf("%s%lld", i ? "," : "", found - start);
		btf__free(btf);
	}
	printf("]}\n");
	return 0;
}
