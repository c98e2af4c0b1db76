#!/usr/bin/env bash
# Compiles the owners iterator (corpus/loader/iter_task_files.bpf.c) into
# OUT/src/inspect/iter_task_files.bpf.o, beside owners-iterator.js, so an installed package finds it
# and reads owners as bpftool does instead of from /proc. CO-RE, like the tools' objects: it includes
# a vmlinux.h from this machine's kernel BTF (src/tools/build.sh's when it is there, else one written
# here by tsbpf's own `btf dump ... format c`; OUT must hold the compiled CLI).
# Usage: [OUT=dist] src/inspect/build.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(cd "$ROOT" && mkdir -p "${OUT:-dist}" && cd "${OUT:-dist}" && pwd)
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "src/inspect/build.sh: clang not found (set CLANG=...); the owners iterator needs clang >= 14 with the BPF target" >&2
  exit 1
fi
INCLUDE="$OUT/src/tools/include"
if [ ! -f "$INCLUDE/vmlinux.h" ]; then
  INCLUDE="$OUT/src/inspect/include"
  mkdir -p "$INCLUDE"
  node "$OUT/src/cli/main.js" btf dump file "${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}" format c > "$INCLUDE/vmlinux.h.tmp"
  mv "$INCLUDE/vmlinux.h.tmp" "$INCLUDE/vmlinux.h"
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
