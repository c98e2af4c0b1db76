#!/usr/bin/env bash
# Compiles the owners iterator (corpus/loader/iter_task_files.bpf.c) into
# OUT/src/inspect/iter_task_files.bpf.o, beside owners-iterator.js, so an installed package finds it
# and reads owners as bpftool does instead of from /proc. CO-RE, like the tools' objects: it includes
# a vmlinux.h from this machine's kernel BTF (src/tools/build.sh's when it is there, else one written
# here by tsbpf's own `btf dump ... format c`; OUT must hold the compiled CLI).
# Usage: [OUT=dist] src/inspect/build.sh
set -euo pipefail
BUILD_SCRIPT=src/inspect/build.sh BUILD_NEEDS='the owners iterator needs'
source "$(dirname "$0")/../../scripts/bpf-build-env.sh"
INCLUDE="$OUT/src/tools/include"
if [ ! -f "$INCLUDE/vmlinux.h" ]; then
  INCLUDE="$OUT/src/inspect/include"
  write_vmlinux_h "$INCLUDE"
fi
MULTIARCH=$("$CLANG" -print-multiarch 2>/dev/null || true)
[ -n "$MULTIARCH" ] || MULTIARCH="$(uname -m)-linux-gnu"
mkdir -p "$OUT/src/inspect"
"$CLANG" -g -O2 -Wall -Werror -target bpfel -mcpu=v3 -D__TARGET_ARCH_x86 \
  -I"$INCLUDE" -I"/usr/include/$MULTIARCH" \
  -c "$ROOT/corpus/loader/iter_task_files.bpf.c" -o "$OUT/src/inspect/iter_task_files.bpf.o.tmp"
# DWARF is most of the file and nothing reads it; .BTF and .BTF.ext stay
STRIP=${LLVM_STRIP:-llvm-strip}
if command -v "$STRIP" >/dev/null 2>&1; then "$STRIP" -g "$OUT/src/inspect/iter_task_files.bpf.o.tmp"; fi
mv "$OUT/src/inspect/iter_task_files.bpf.o.tmp" "$OUT/src/inspect/iter_task_files.bpf.o"
echo "src/inspect/build.sh: built the owners iterator into $OUT/src/inspect"
