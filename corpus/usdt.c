// SPDX-License-Identifier: MIT
/*
 * A host (x86-64) object, not BPF: it carries USDT probes as SystemTap SDT notes
 * (.note.stapsdt) — the notes tsbpf's USDT support will read from Node and other binaries —
 * and x86-64 RELA relocations, which BPF objects never have. The macro is our own minimal
 * version of what <sys/sdt.h> emits (that header is not installed here): one note per probe
 * with the probe address, the .stapsdt.base address, the semaphore address, then provider,
 * name and argument strings.
 */
#define TSBPF_PROBE(provider, name, args)                                                  \
  __asm__ volatile("990: nop\n"                                                           \
                   ".pushsection .note.stapsdt,\"?\",\"note\"\n"                          \
                   ".balign 4\n"                                                          \
                   ".4byte 992f-991f, 994f-993f, 3\n"                                     \
                   "991: .asciz \"stapsdt\"\n"                                            \
                   "992: .balign 4\n"                                                     \
                   "993: .8byte 990b\n"                                                   \
                   ".8byte _.stapsdt.base\n"                                              \
                   ".8byte 0\n"                                                           \
                   ".asciz \"" provider "\"\n"                                            \
                   ".asciz \"" name "\"\n"                                                \
                   ".asciz \"" args "\"\n"                                                \
                   "994: .balign 4\n"                                                     \
                   ".popsection\n"                                                        \
                   ".ifndef _.stapsdt.base\n"                                             \
                   ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
                   ".weak _.stapsdt.base\n"                                               \
                   ".hidden _.stapsdt.base\n"                                             \
                   "_.stapsdt.base: .space 1\n"                                           \
                   ".size _.stapsdt.base, 1\n"                                            \
                   ".popsection\n"                                                        \
                   ".endif\n")

extern int external_counter;
static int local_counter;
int common_thing __attribute__((common));

int usdt_demo(int value)
{
  TSBPF_PROBE("tsbpf", "start", "");
  local_counter += value;
  external_counter += local_counter;
  TSBPF_PROBE("tsbpf", "done", "-4@%edi");
  return local_counter + common_thing;
}

__attribute__((visibility("hidden"))) int hidden_function(void) { return 1; }
__attribute__((visibility("protected"))) int protected_function(void) { return 2; }
__attribute__((weak)) int weak_function(void) { return 3; }
