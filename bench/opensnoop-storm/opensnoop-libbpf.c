/*
 * opensnoop-storm, the C side: an opensnoop front end on Debian's libbpf that loads the very object tsbpf
 * opensnoop ships and prepares it as tsbpf's front end does before load (src/tools/common/event-channel.ts,
 * src/tools/opensnoop/opensnoop.ts): `events` becomes a ring buffer of the same size with key and value
 * size 0, `use_ringbuf` and the filters are set in .rodata, then it attaches every program, reads the ring
 * with ring_buffer__poll (100 ms, as both front ends do) and prints each event with opensnoop's printf
 * shapes. The comm filter (-n) stays in user space, as in libbpf-tools and tsbpf.
 *
 * Usage: opensnoop-libbpf [-x] [-n NAME] [-r RING_BYTES] OBJECT
 * stdout: the header once attached (flushed, so a reader knows it is ready), then one line per event.
 * At SIGINT/SIGTERM: drains the ring, prints `Lost N events (ring buffer full)!` on stderr when the BPF
 * side counted drops (`events_dropped` in .bss, as tsbpf does), then one JSON line on stderr:
 * {"received":N,"printed":P,"dropped":D}. Built by bench/opensnoop-storm/index.ts into bench/.build/.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* opensnoop.h (the tool's own event layout) wants the comm length that tools.bpf.h defines. */
#define TASK_COMM_LEN 16
#include "opensnoop.h"

#define POLL_MS 100
#define DEFAULT_RING_BYTES (1u << 20)
#define INVALID_UID ((__u32)-1)

struct options {
	bool failed;
	const char *name;
	__u32 ring_bytes;
	const char *object;
};

struct counts {
	const char *name;
	unsigned long long received;
	unsigned long long printed;
};

static volatile sig_atomic_t stopping;

static void on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

/* Where `var` sits in the data section map `map` (from the section's BTF DATASEC), or -1. */
static long var_offset(const struct btf *btf, const char *section, const char *var, size_t size)
{
	__s32 id = btf__find_by_name_kind(btf, section, BTF_KIND_DATASEC);
	if (id < 0)
		return -1;
	const struct btf_type *datasec = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *info = btf_var_secinfos(datasec);
	for (__u16 i = 0; i < btf_vlen(datasec); i++, info++) {
		const struct btf_type *t = btf__type_by_id(btf, info->type);
		if (strcmp(btf__name_by_offset(btf, t->name_off), var) == 0 && info->size == size)
			return info->offset;
	}
	return -1;
}

/* The object's internal map for `suffix` (".rodata", ".bss"): libbpf names it after the object. */
static struct bpf_map *internal_map(struct bpf_object *obj, const char *suffix)
{
	struct bpf_map *map;
	size_t tail = strlen(suffix);

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t length = strlen(name);
		if (bpf_map__is_internal(map) && length >= tail && strcmp(name + length - tail, suffix) == 0)
			return map;
	}
	return NULL;
}

/*
 * Whether the kernel has the tracepoint a "tracepoint/CATEGORY/NAME" section names (arm64 has no
 * sys_enter_open): tsbpf's front end turns off the programs of missing ones before load, and so do we.
 */
static bool tracepoint_exists(const char *section)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events" };
	const char *prefix = "tracepoint/";
	char path[512];

	if (strncmp(section, prefix, strlen(prefix)) != 0)
		return true;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], section + strlen(prefix));
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

static int set_rodata(struct bpf_object *obj, const char *var, const void *value, size_t size)
{
	struct bpf_map *rodata = internal_map(obj, ".rodata");
	size_t rodata_size;
	long offset = rodata ? var_offset(bpf_object__btf(obj), ".rodata", var, size) : -1;
	void *data = rodata ? (void *)bpf_map__initial_value(rodata, &rodata_size) : NULL;

	if (offset < 0 || !data || (size_t)offset + size > rodata_size) {
		fprintf(stderr, "opensnoop-libbpf: no .rodata variable %s of %zu bytes in the object\n", var, size);
		return -1;
	}
	memcpy((char *)data + offset, value, size);
	return 0;
}

static int on_event(void *context, void *data, size_t size)
{
	struct counts *counts = context;
	const struct event *e = data;

	counts->received++;
	if (size < sizeof(*e))
		return 0;
	if (counts->name && strstr(e->comm, counts->name) == NULL)
		return 0;
	int fd = e->ret >= 0 ? e->ret : -1;
	int err = e->ret >= 0 ? 0 : -e->ret;
	/* libbpf-tools opensnoop's columns, without -T/-U/-e/-F */
	printf("%-6d %-16s %3d %3d %s\n", e->pid, e->comm, fd, err, e->fname);
	counts->printed++;
	return 0;
}

static int parse(int argc, char **argv, struct options *options)
{
	int opt;

	*options = (struct options){ .ring_bytes = DEFAULT_RING_BYTES };
	while ((opt = getopt(argc, argv, "xn:r:")) != -1) {
		switch (opt) {
		case 'x': options->failed = true; break;
		case 'n': options->name = optarg; break;
		case 'r': options->ring_bytes = (__u32)strtoul(optarg, NULL, 0); break;
		default: return -1;
		}
	}
	if (optind + 1 != argc)
		return -1;
	options->object = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct options options;
	struct bpf_object *obj = NULL;
	struct ring_buffer *ring = NULL;
	struct bpf_link *links[16];
	size_t link_count = 0;
	int status = 1;

	if (parse(argc, argv, &options) != 0) {
		fprintf(stderr, "usage: %s [-x] [-n NAME] [-r RING_BYTES] OBJECT\n", argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	obj = bpf_object__open_file(options.object, NULL);
	if (!obj) {
		fprintf(stderr, "opensnoop-libbpf: opening %s: %s\n", options.object, strerror(errno));
		return 1;
	}
	/* What tsbpf's chooseEventChannel does: the perf event array becomes a ring buffer. */
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "events");
	if (!events || bpf_map__set_type(events, BPF_MAP_TYPE_RINGBUF) || bpf_map__set_key_size(events, 0)
	    || bpf_map__set_value_size(events, 0) || bpf_map__set_max_entries(events, options.ring_bytes)) {
		fprintf(stderr, "opensnoop-libbpf: cannot make 'events' a ring buffer\n");
		goto out;
	}
	/* The .rodata filters tsbpf opensnoop sets; only -x differs from the defaults here. */
	bool use_ringbuf = true;
	__u32 zero = 0, invalid_uid = INVALID_UID;
	bool full_path = false;
	if (set_rodata(obj, "use_ringbuf", &use_ringbuf, sizeof(use_ringbuf))
	    || set_rodata(obj, "targ_tgid", &zero, sizeof(zero))
	    || set_rodata(obj, "targ_pid", &zero, sizeof(zero))
	    || set_rodata(obj, "targ_uid", &invalid_uid, sizeof(invalid_uid))
	    || set_rodata(obj, "targ_failed", &options.failed, sizeof(options.failed))
	    || set_rodata(obj, "full_path", &full_path, sizeof(full_path)))
		goto out;
	struct bpf_program *program;
	bpf_object__for_each_program(program, obj) {
		if (!tracepoint_exists(bpf_program__section_name(program)))
			bpf_program__set_autoload(program, false);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "opensnoop-libbpf: loading %s: %s\n", options.object, strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(program, obj) {
		if (!bpf_program__autoload(program))
			continue;
		if (link_count == sizeof(links) / sizeof(links[0]))
			break;
		links[link_count] = bpf_program__attach(program);
		if (!links[link_count]) {
			fprintf(stderr, "opensnoop-libbpf: attaching %s: %s\n", bpf_program__name(program), strerror(errno));
			goto out;
		}
		link_count++;
	}

	struct counts counts = { .name = options.name };
	ring = ring_buffer__new(bpf_map__fd(events), on_event, &counts, NULL);
	if (!ring) {
		fprintf(stderr, "opensnoop-libbpf: ring_buffer__new: %s\n", strerror(errno));
		goto out;
	}
	printf("%-6s %-16s %3s %3s %s\n", "PID", "COMM", "FD", "ERR", "PATH");
	fflush(stdout);
	while (!stopping) {
		int got = ring_buffer__poll(ring, POLL_MS);
		if (got < 0 && got != -EINTR) {
			fprintf(stderr, "opensnoop-libbpf: ring_buffer__poll: %s\n", strerror(-got));
			goto out;
		}
	}
	ring_buffer__consume(ring);
	fflush(stdout);

	/* The BPF side's drop counter, read from the live .bss map as tsbpf reads `events_dropped`. */
	unsigned long long dropped = 0;
	struct bpf_map *bss = internal_map(obj, ".bss");
	long offset = bss ? var_offset(bpf_object__btf(obj), ".bss", "events_dropped", sizeof(__u64)) : -1;
	size_t bss_size = bss ? bpf_map__value_size(bss) : 0;
	char *value = bss_size ? calloc(1, bss_size) : NULL;
	if (offset < 0 || !value || bpf_map_lookup_elem(bpf_map__fd(bss), &zero, value)) {
		fprintf(stderr, "opensnoop-libbpf: cannot read events_dropped from .bss\n");
		free(value);
		goto out;
	}
	memcpy(&dropped, value + offset, sizeof(dropped));
	free(value);
	if (dropped > 0)
		fprintf(stderr, "Lost %llu events (ring buffer full)!\n", dropped);
	fprintf(stderr, "{\"received\":%llu,\"printed\":%llu,\"dropped\":%llu}\n", counts.received, counts.printed, dropped);
	status = 0;
out:
	ring_buffer__free(ring);
	while (link_count > 0)
		bpf_link__destroy(links[--link_count]);
	bpf_object__close(obj);
	return status;
}
