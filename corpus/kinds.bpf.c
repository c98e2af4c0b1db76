// SPDX-License-Identifier: MIT
/*
 * Every BTF kind clang can emit: int, ptr, array, struct/union (with bitfields), enum, enum64 (a
 * 64-bit enumerator), fwd, typedef, volatile/const/restrict, func, func_proto, var, datasec, float,
 * decl_tag and type_tag. Globals keep each type alive in BTF; the program reads them so the
 * optimiser can't drop them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int u32_t;                 /* typedef -> int */
typedef unsigned long long u64_t;

enum color { RED, GREEN = 5, BLUE = -1 };   /* signed 32-bit enum */
enum big { BIG_SMALL = 1, BIG_LARGE = 0x1234567890ULL }; /* needs 64 bits: ENUM64 from clang >= 15 */

struct forward_only;                        /* fwd: only a pointer to it is used */
union forward_union;

struct bits {
  unsigned int a : 3;
  unsigned int b : 5;
  int c : 7;
  unsigned long long wide : 40;
  char tail;
};

union either {
  u32_t word;
  unsigned char bytes[4];
  struct { unsigned short lo, hi; } halves;
};

struct everything {
  int number;
  const volatile int *qualified;            /* const, volatile, ptr */
  char name[16];                            /* array */
  int matrix[2][3];                         /* array of array */
  struct bits bits;
  union either either;
  enum color color;
  enum big big;
  struct forward_only *fwd;
  union forward_union *fwd_union;
  float ratio;                              /* float */
  double precise;
  void *opaque;
  int (*callback)(int, const char *);       /* func_proto behind a pointer */
  int __attribute__((btf_type_tag("user"))) *user_pointer;   /* type_tag */
  int tagged_member __attribute__((btf_decl_tag("member_tag")));
};

struct everything everything_global;        /* var in .bss */
volatile int volatile_counter = 1;          /* var in .data */
const volatile u64_t tunable = 42;          /* var in .rodata */
__attribute__((btf_decl_tag("global_tag"))) int decl_tagged_global = 7;

static __attribute__((noinline)) int
sum_restrict(int *restrict left, const int *restrict right, int count)
{
  int total = 0;
  for (int i = 0; i < count && i < 4; i++)
    total += left[i] + right[i];
  return total;
}

__attribute__((btf_decl_tag("func_tag"))) __attribute__((noinline))
int tagged_function(struct everything *e __attribute__((btf_decl_tag("param_tag"))))
{
  return e->number + e->bits.a + e->bits.c + (int)e->bits.wide;
}

SEC("xdp")
int kinds_xdp(struct xdp_md *ctx)
{
  int left[4] = { 1, 2, 3, 4 };
  int right[4] = { 5, 6, 7, 8 };
  everything_global.color = GREEN;
  everything_global.big = BIG_LARGE == 0x1234567890ULL ? BIG_SMALL : BIG_LARGE;
  everything_global.ratio = 0;
  volatile_counter++;
  return sum_restrict(left, right, (int)tunable) + tagged_function(&everything_global) + decl_tagged_global > 0
             ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
