// SPDX-License-Identifier: GPL-2.0
/*
 * USDT through libbpf's <bpf/usdt.bpf.h> with the cookie question left to the loader: the header's
 * LINUX_HAS_BPF_COOKIE is renamed to a CONFIG_ extern that the test sets ('n': the header takes each
 * hit's spec id from __bpf_usdt_ip_to_spec_id by address, as on kernels before 5.15; 'y': from the
 * BPF cookie), so the no-cookie path runs on a kernel that has cookies.
 *   on_args   tsbpf:args of corpus/usdt-target: the first three arguments, the count and bpf_usdt_cookie()
 *   on_twice  tsbpf:twice (two sites, two addresses, different constants): hits and the argument sum
 * libbpf 1.1 via bpftool prog loadall: refused (CONFIG_TSBPF_TEST_BPF_COOKIE is in no kernel config).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#if __has_include(<asm/errno.h>)
#define LINUX_HAS_BPF_COOKIE CONFIG_TSBPF_TEST_BPF_COOKIE
#include <bpf/usdt.bpf.h>

long first_args[3];
long arg_count;
__u64 cookie;
__u64 args_hits;
__u64 twice_hits;
long twice_sum;
long spec_misses;

SEC("usdt")
int on_args(struct pt_regs *ctx)
{
	long value;

	arg_count = bpf_usdt_arg_cnt(ctx);
	if (arg_count < 0)
		__sync_fetch_and_add(&spec_misses, 1);
	cookie = bpf_usdt_cookie(ctx);
	for (int i = 0; i < 3; i++)
		if (bpf_usdt_arg(ctx, i, &value) == 0)
			first_args[i] = value;
	__sync_fetch_and_add(&args_hits, 1);
	return 0;
}

SEC("usdt")
int on_twice(struct pt_regs *ctx)
{
	long which;

	if (bpf_usdt_arg(ctx, 0, &which) != 0) {
		__sync_fetch_and_add(&spec_misses, 1);
		return 0;
	}
	__sync_fetch_and_add(&twice_hits, 1);
	__sync_fetch_and_add(&twice_sum, which);
	return 0;
}

#endif

char LICENSE[] SEC("license") = "GPL";
