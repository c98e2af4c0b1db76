// SPDX-License-Identifier: GPL-2.0
/* Feature: static vs global variables in .data/.bss/.rodata, a hidden global, and two programs
 * sharing them; statics are referenced by section offset, globals by symbol.
 * libbpf 1.1 via bpftool prog loadall, kernel 6.18: loads both programs; creates data_sta.data,
 * data_sta.bss and data_sta.rodata. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __u64 static_counter;
static __u32 static_initialised = 42;
static const volatile __u32 static_limit = 9;
__u64 global_counter;
__u32 global_initialised = 7;
__hidden __u32 hidden_flag = 1;

SEC("socket")
int first_user(struct __sk_buff *skb)
{
  static_counter++;
  global_counter += static_initialised;
  return skb->len > static_limit ? -1 : 0;
}

SEC("socket")
int second_user(struct __sk_buff *skb)
{
  global_initialised++;
  return hidden_flag ? (int)static_counter : 0;
}

char LICENSE[] SEC("license") = "GPL";
