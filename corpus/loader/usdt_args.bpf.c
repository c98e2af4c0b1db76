// SPDX-License-Identifier: GPL-2.0
/*
 * USDT programs written for libbpf's <bpf/usdt.bpf.h>, unchanged: tsbpf must fill the spec map and the
 * cookies the way libbpf does for BPF_USDT() and bpf_usdt_arg() to read the right values.
 *   on_args   tsbpf:args of corpus/usdt-target: every argument, the count and bpf_usdt_cookie()
 *   on_twice  tsbpf:twice (two sites, different constants): hits and the sum of the argument
 *   on_sem    tsbpf:sem, auto-attached from its SEC name (usdt-target found on PATH, as libbpf would)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
/*
 * usdt.bpf.h includes <linux/errno.h>, which needs <asm/errno.h> from the host's multiarch include
 * directory; without it this object is empty (usdt.test.ts then builds it with that directory itself).
 */
#if __has_include(<asm/errno.h>)
#include <bpf/usdt.bpf.h>

long args[12];
long arg_count;
long arg_errors;
__u64 cookie;
__u64 args_hits;
__u64 twice_hits;
long twice_sum;
__u64 sem_hits;
long sem_seen;

SEC("usdt")
int on_args(struct pt_regs *ctx)
{
	long value;

	arg_count = bpf_usdt_arg_cnt(ctx);
	cookie = bpf_usdt_cookie(ctx);
	for (int i = 0; i < 12; i++) {
		if (bpf_usdt_arg(ctx, i, &value) == 0)
			args[i] = value;
		else if (i < arg_count)
			arg_errors++;
	}
	__sync_fetch_and_add(&args_hits, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_twice, int which)
{
	__sync_fetch_and_add(&twice_hits, 1);
	__sync_fetch_and_add(&twice_sum, which);
	return 0;
}

SEC("usdt/usdt-target:tsbpf:sem")
int BPF_USDT(on_sem, unsigned short seen)
{
	__sync_fetch_and_add(&sem_hits, 1);
	sem_seen = seen;
	return 0;
}

#endif

char LICENSE[] SEC("license") = "GPL";
