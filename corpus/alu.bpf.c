// SPDX-License-Identifier: MIT
/*
 * Plain ALU, jumps, loads and stores with no atomics, so it compiles for every -mcpu (v1: the
 * original set; v2: adds jlt/jle/jslt/jsle; v3: adds 32-bit jumps and ALU32); built as v1, v2 and v3.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned int table[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };

SEC("socket")
int arithmetic(struct __sk_buff *skb)
{
  unsigned int length = skb->len;
  unsigned long long accumulator = 0;
  int signed_value = (int)skb->mark;

  for (int i = 0; i < 8; i++) {
    if (table[i] < length)
      accumulator += table[i] * length;
    else if ((int)table[i] > signed_value)
      accumulator ^= table[i] << 3;
    else
      accumulator -= table[i] >> 1;
  }
  accumulator = accumulator / 3 + accumulator % 7;
  accumulator |= (unsigned long long)(signed_value >> 2) & 0xffff0000ULL;
  if ((unsigned int)accumulator > 1000u && signed_value < -5)
    return -1;
  return (int)(accumulator & 0x7fffffff);
}

char LICENSE[] SEC("license") = "GPL";
