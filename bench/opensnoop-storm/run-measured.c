/*
 * Runs a front end and reports the CPU it used, which a Node parent can't get for its child (libuv reaps
 * it without the rusage). Optionally pins it to one CPU first. SIGINT/SIGTERM are passed on to the child.
 *
 * Usage: run-measured [-c CPU] -- COMMAND [ARGUMENTS...]
 * stderr: `run-measured pid=PID` when the child starts (so /proc/PID/stat can be read mid-run), the
 * child's own stderr, and last `run-measured {"status":S,"user_us":U,"system_us":Y}` from wait4.
 * Built by bench/opensnoop-storm/index.ts into bench/.build/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int signo)
{
	if (child > 0)
		kill(child, signo);
}

int main(int argc, char **argv)
{
	int command = 1;
	int cpu = -1;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		cpu = atoi(argv[2]);
		command = 3;
	}
	if (command < argc && strcmp(argv[command], "--") == 0)
		command++;
	if (command >= argc) {
		fprintf(stderr, "usage: %s [-c CPU] -- COMMAND [ARGUMENTS...]\n", argv[0]);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "run-measured: pinning to CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	struct sigaction action = { .sa_handler = forward };
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "run-measured: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[command], &argv[command]);
		fprintf(stderr, "run-measured: exec %s: %s\n", argv[command], strerror(errno));
		_exit(127);
	}
	fprintf(stderr, "run-measured pid=%d\n", (int)child);
	int status;
	struct rusage usage;
	while (wait4(child, &status, 0, &usage) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "run-measured: wait4: %s\n", strerror(errno));
			return 1;
		}
	}
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(stderr, "run-measured {\"status\":%d,\"user_us\":%lld,\"system_us\":%lld}\n", code,
		(long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
		(long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec);
	return code;
}
