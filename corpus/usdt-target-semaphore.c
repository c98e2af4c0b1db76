// SPDX-License-Identifier: MIT
/*
 * The USDT target's probe with a semaphore, in a file of its own: <sys/sdt.h> gives every probe of a
 * file a semaphore once _SDT_HAS_SEMAPHORES is defined, and tsbpf:args must have none.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* The kernel increments it while a uprobe with this reference counter is attached. */
unsigned short tsbpf_sem_semaphore __attribute__((unused)) __attribute__((section(".probes")));

unsigned short semaphore_probe(void) {
  unsigned short seen = tsbpf_sem_semaphore;
  STAP_PROBE1(tsbpf, sem, seen);
  return seen;
}
