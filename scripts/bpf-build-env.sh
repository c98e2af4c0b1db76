# Sourced by the build scripts that compile shipped BPF C (src/tools/build.sh, src/inspect/build.sh):
# ROOT (the repository), OUT (the build output, default dist, created), CLANG (checked), and
# write_vmlinux_h DIR, which writes DIR/vmlinux.h from this machine's kernel BTF (VMLINUX_BTF to use
# another) with tsbpf's own `btf dump ... format c` from OUT (which must hold the compiled CLI).
# The sourcing script sets BUILD_SCRIPT (its name, for messages) and BUILD_NEEDS (what needs clang) first.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(cd "$ROOT" && mkdir -p "${OUT:-dist}" && cd "${OUT:-dist}" && pwd)
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "$BUILD_SCRIPT: clang not found (set CLANG=...); $BUILD_NEEDS clang >= 14 with the BPF target" >&2
  exit 1
fi

write_vmlinux_h() {
  mkdir -p "$1"
  node "$OUT/src/cli/main.js" btf dump file "${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}" format c > "$1/vmlinux.h.tmp"
  mv "$1/vmlinux.h.tmp" "$1/vmlinux.h"
}
