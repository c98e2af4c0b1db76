// SPDX-License-Identifier: MIT
/*
 * The USDT test target (built by usdt-target.sh with the host's C compiler and <sys/sdt.h>): for each
 * line on stdin it fires
 *   tsbpf:args   ten arguments of every kind usdt.bpf.h reads: registers of 32, 64, 8 and 16 bits,
 *                a stack slot, constants; signed and unsigned
 *   tsbpf:twice  from two sites (one argument each: 1 and 2)
 *   tsbpf:sem    a probe with a semaphore (usdt-target-semaphore.c)
 * and prints "sem=N", N being the semaphore's value before the probe fired (non-zero while traced).
 * The expected values live in usdt.test.ts too.
 */
#include <stdio.h>
#include <sys/sdt.h>

unsigned short semaphore_probe(void);

/* Not inlined: at -O2 the parameters are still in their argument registers at the probe. */
__attribute__((noinline)) void fire(int i32, long i64, unsigned char u8, short i16, unsigned long u64, unsigned int u32) {
  volatile long on_stack = -77;
  STAP_PROBE10(tsbpf, args, i32, i64, u8, i16, u64, u32, on_stack, -5, 200, 0x123456789abcLL);
}

__attribute__((noinline)) void twice(int which) {
  if (which) STAP_PROBE1(tsbpf, twice, 1);
  else STAP_PROBE1(tsbpf, twice, 2);
}

int main(void) {
  char line[64];
  printf("ready\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    fire(-3 * line[0], -1234567890123L, 250, -300, 0xfedcba9876543210UL, 4000000000U);
    twice(line[0] == 'x');
    twice(line[0] != 'x');
    printf("sem=%u\n", semaphore_probe());
    fflush(stdout);
  }
  return 0;
}
