/*
 * opensnoop-storm's load: failed opens as fast as one thread can make them, for a fixed time. Each process
 * opens its own nonexistent path (unique by pid) so every open fails with ENOENT, and names itself COMM so
 * the front ends can filter it with -n.
 *
 * Usage: open-storm SECONDS [PROCESSES [CPU [RATE]]]
 * With CPU (-1: none), every process is pinned there (the front end gets the other core). With RATE, the
 * processes together make about RATE opens a second (each sleeps when ahead of its share), a fixed load
 * whatever the front end does to the traced opens' cost. Prints one JSON line
 * when all are done: {"opens":N,"ns":T,"processes":P} (T: the longest process's time, CLOCK_MONOTONIC).
 * Built by bench/opensnoop-storm/index.ts into bench/.build/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMM "tsbpf-storm"
#define MAX_PROCESSES 64
/* Opens between clock reads: the clock is cheap (vDSO) but not free next to a failed open. */
#define CHECK_EVERY 256

struct result {
	uint64_t opens;
	uint64_t ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void storm(double seconds, double rate, struct result *result)
{
	char path[64];
	uint64_t opens = 0;
	uint64_t start = now_ns();
	uint64_t end = start + (uint64_t)(seconds * 1e9);
	uint64_t now = start;

	snprintf(path, sizeof(path), "/tmp/tsbpf-storm-%d-does-not-exist", (int)getpid());
	while (now < end) {
		for (int i = 0; i < CHECK_EVERY; i++) {
			int fd = open(path, O_RDONLY);
			if (fd >= 0)	/* someone made it: not a failed open any more */
				close(fd);
		}
		opens += CHECK_EVERY;
		now = now_ns();
		if (rate > 0) {
			/* ahead of schedule: sleep until the opens made are due */
			uint64_t due = start + (uint64_t)((double)opens / rate * 1e9);
			if (due > now && due < end) {
				struct timespec pause = { .tv_sec = (due - now) / 1000000000ull, .tv_nsec = (due - now) % 1000000000ull };
				nanosleep(&pause, NULL);
				now = now_ns();
			}
		}
	}
	result->opens = opens;
	result->ns = now - start;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: %s SECONDS [PROCESSES [CPU [RATE]]]\n", argv[0]);
		return 2;
	}
	double seconds = strtod(argv[1], NULL);
	int processes = argc > 2 ? atoi(argv[2]) : 1;
	if (seconds <= 0 || processes < 1 || processes > MAX_PROCESSES) {
		fprintf(stderr, "open-storm: SECONDS > 0 and 1..%d PROCESSES\n", MAX_PROCESSES);
		return 2;
	}
	double rate = argc > 4 ? strtod(argv[4], NULL) / processes : 0;
	if (argc > 3 && atoi(argv[3]) >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[3]), &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "open-storm: pinning to CPU %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
	}
	prctl(PR_SET_NAME, COMM, 0, 0, 0);
	struct result *results = mmap(NULL, sizeof(struct result) * processes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED) {
		fprintf(stderr, "open-storm: mmap: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < processes; i++) {
		pid_t child = fork();
		if (child < 0) {
			fprintf(stderr, "open-storm: fork: %s\n", strerror(errno));
			return 1;
		}
		if (child == 0) {
			storm(seconds, rate, &results[i]);
			_exit(0);
		}
	}
	storm(seconds, rate, &results[0]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	uint64_t opens = 0, ns = 0;
	for (int i = 0; i < processes; i++) {
		opens += results[i].opens;
		if (results[i].ns > ns)
			ns = results[i].ns;
	}
	printf("{\"opens\":%llu,\"ns\":%llu,\"processes\":%d}\n", (unsigned long long)opens, (unsigned long long)ns, processes);
	return 0;
}
