// SPDX-License-Identifier: MIT
/*
 * Atomic instructions: add/and/or/xor with and without fetch, xchg and cmpxchg, on 32- and 64-bit
 * globals (-mcpu=v3 needed for all but the plain 64-bit add).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long counter64 = 0;
unsigned int counter32 = 0;
unsigned long long fetched[8];

SEC("raw_tp/sys_enter")
int atomics(void *ctx)
{
  __sync_fetch_and_add(&counter64, 1);
  fetched[0] = __sync_fetch_and_add(&counter64, 2);
  __sync_fetch_and_and(&counter64, 0xff);
  fetched[1] = __sync_fetch_and_or(&counter64, 0x100);
  fetched[2] = __sync_fetch_and_xor(&counter64, 0x3);
  fetched[3] = __sync_lock_test_and_set(&counter64, 9);
  fetched[4] = __sync_val_compare_and_swap(&counter64, 9, 10);
  __sync_fetch_and_add(&counter32, 1);
  fetched[5] = __sync_fetch_and_or(&counter32, 4);
  fetched[6] = __sync_val_compare_and_swap(&counter32, 5, 6);
  fetched[7] = __sync_lock_test_and_set(&counter32, 7);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
