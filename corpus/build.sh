#!/usr/bin/env bash
# Builds tsbpf's test corpus: our own BPF C programs, compiled by clang into corpus/.build/.
# The objects are fixtures for the elf, btf, btf.ext and asm tests and for the fuzzer; their
# names are stable:
#
#   kinds.o        every BTF kind (int, ptr, array, struct/union with bitfields, enum, 64-bit enum,
#                  fwd, typedef, volatile/const/restrict, func, func_proto, var, datasec, float,
#                  decl_tag, type_tag)
#   maps.o         BTF-defined maps (.maps: hash, percpu array, ringbuf, array of maps with an inner
#                  map), .rodata/.data/.bss and custom .data.counters/.rodata.config
#   programs.o     tracepoint, xdp, tc, kprobe, raw_tp, fentry, socket programs; static and global
#                  subprograms, bpf-to-bpf calls
#   core.o         CO-RE relocations of every kind clang 14 emits
#   atomics.o      atomic add/and/or/xor (fetch and not), xchg, cmpxchg on 32 and 64 bits
#   externs.o      .kconfig and __ksym externs (strong and weak) and kfunc calls
#   alu.o          ALU/jumps/loads/stores only, -mcpu=v3
#   alu.v1.o       the same, -mcpu=v1
#   alu.v2.o       the same, -mcpu=v2
#   NAME.eb.o      big-endian (-target bpfeb, -mcpu=v3) builds of kinds, maps, programs, core, atomics
#   usdt.host.o    x86-64 host object: .note.stapsdt USDT notes, RELA relocations, every symbol
#                  binding/visibility, SHN_UNDEF and SHN_COMMON symbols
#   usdt-target    x86-64 executable with <sys/sdt.h> USDT probes (usdt-target.sh; needs gcc and
#                  systemtap-sdt-dev), and usdt-libbpf-attach, libbpf's USDT attach as a test oracle
#   tiny.i386.o    a 32-bit ELF, which the ELF reader must refuse with a clear error
#   loader/NAME.bpf.o  the loader corpus (corpus/loader/NAME.bpf.c): objects written against the
#                  running kernel's vmlinux.h (generated here by tsbpf's own `btf dump ... format c`,
#                  bpftool's when tsbpf is not built yet), loaded by tsbpf and by libbpf and compared
#
# All BPF objects: clang -g -O2 -target bpfel|bpfeb -mcpu=v3 -c (so they carry .BTF and .BTF.ext).
# Usage: corpus/build.sh  (from anywhere; fails loudly when clang is missing).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "corpus/build.sh: clang not found (set CLANG=...); the corpus needs clang >= 14 with the BPF target" >&2
  exit 1
fi
OUT=.build
TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# <linux/bpf.h> includes <asm/types.h>, which Debian keeps under the host's multiarch directory.
MULTIARCH=$("$CLANG" -print-multiarch 2>/dev/null || true)
[ -n "$MULTIARCH" ] || MULTIARCH="$(uname -m)-linux-gnu"
CFLAGS=(-g -O2 -Wall -Werror -Wno-unused-variable -c)
BPF_INCLUDES=(-I"/usr/include/$MULTIARCH")

pids=()
bpf() { # bpf NAME OUTPUT TARGET CPU
  "$CLANG" "${CFLAGS[@]}" "${BPF_INCLUDES[@]}" -target "$3" -mcpu="$4" "$1.bpf.c" -o "$TMP/$2" &
  pids+=($!)
}
for source in *.bpf.c; do name=${source%.bpf.c}; bpf "$name" "$name.o" bpfel v3; done
for name in kinds maps programs core atomics; do bpf "$name" "$name.eb.o" bpfeb v3; done
bpf alu alu.v1.o bpfel v1
bpf alu alu.v2.o bpfel v2
"$CLANG" -O2 -g -fPIC -c -target x86_64-linux-gnu usdt.c -o "$TMP/usdt.host.o" & pids+=($!)
echo 'int tiny(int x) { return x + 1; }' | "$CLANG" -O2 -c -target i386-linux-gnu -x c - -o "$TMP/tiny.i386.o" & pids+=($!)

# The loader corpus includes vmlinux.h from the kernel this machine runs.
mkdir -p "$TMP/include" "$TMP/loader"
if [ -f ../dist/src/cli/main.js ]; then
  node ../dist/src/cli/main.js btf dump file /sys/kernel/btf/vmlinux format c > "$TMP/include/vmlinux.h"
else
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$TMP/include/vmlinux.h"
fi
for source in loader/*.bpf.c; do
  [ -e "$source" ] || continue
  "$CLANG" "${CFLAGS[@]}" -I"$TMP/include" -Iloader "${BPF_INCLUDES[@]}" -D__TARGET_ARCH_x86 -target bpfel -mcpu=v3 "$source" -o "$TMP/$source.o.tmp" &
  pids+=($!)
done

status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
if [ "$status" -ne 0 ]; then
  echo "corpus/build.sh: a compile failed (see above)" >&2
  exit 1
fi
# the USDT test target (host C with <sys/sdt.h>) and its libbpf oracle; skipped with the reason when missing
bash usdt-target.sh "$TMP" || [ $? -eq 2 ]
for built in "$TMP"/loader/*.o.tmp; do [ -e "$built" ] && mv "$built" "${built%.c.o.tmp}.o"; done
# Replace the whole directory at once so a concurrent reader never sees half a corpus.
rm -rf "$OUT.old"
[ -d "$OUT" ] && mv "$OUT" "$OUT.old"
chmod 755 "$TMP"
mv "$TMP" "$OUT"
rm -rf "$OUT.old"
trap - EXIT
echo "corpus/build.sh: built $(find "$OUT" -name '*.o' | wc -l) objects in corpus/$OUT"
