/* SPDX-License-Identifier: MIT */
/*
 * `-c CGROUP`, the BPF side of src/tools/common/cgroup-filter.ts: the front end sets `filter_cg` before load
 * and puts the cgroup v2 directory's fd in slot 0 of `cgroup_map` after; tasks outside it are skipped.
 */
#ifndef TSBPF_CGROUP_FILTER_BPF_H
#define TSBPF_CGROUP_FILTER_BPF_H

const volatile bool filter_cg = false;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

static __always_inline bool cgroup_excluded(void)
{
	return filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0);
}

#endif
