#!/usr/bin/env bash
# Compiles the tools' BPF C (src/tools/NAME/NAME.bpf.c) into OUT/src/tools/NAME/NAME.bpf.o, beside the
# front end's compiled JavaScript, so the npm package ships the objects and users need no compiler.
# Each object is CO-RE: it includes a vmlinux.h generated from this machine's kernel BTF by tsbpf's own
# `btf dump ... format c` (OUT must hold the compiled CLI), and the loader relocates it to the kernel it
# runs on. Usage: [OUT=dist] src/tools/build.sh
set -euo pipefail
BUILD_SCRIPT=src/tools/build.sh BUILD_NEEDS='the tools need'
source "$(dirname "$0")/../../scripts/bpf-build-env.sh"
INCLUDE="$OUT/src/tools/include"
write_vmlinux_h "$INCLUDE"
pids=()
for source in "$ROOT"/src/tools/*/*.bpf.c; do
  [ -e "$source" ] || continue
  name=$(basename "$source" .bpf.c)
  dir=$(basename "$(dirname "$source")")
  mkdir -p "$OUT/src/tools/$dir"
  "$CLANG" -g -O2 -Wall -Werror -target bpfel -mcpu=v3 -D__TARGET_ARCH_x86 \
    -I"$INCLUDE" -I"$ROOT/src/tools/include" -I"$(dirname "$source")" \
    -c "$source" -o "$OUT/src/tools/$dir/$name.bpf.o" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
if [ "$status" -ne 0 ]; then
  echo "src/tools/build.sh: a tool's BPF C failed to compile (see above)" >&2
  exit 1
fi
echo "src/tools/build.sh: built ${#pids[@]} tool objects into $OUT/src/tools"
