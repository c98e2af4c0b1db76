#!/usr/bin/env bash
# Builds the USDT test target (usdt-target.c, usdt-target-semaphore.c) into OUTPUT_DIR/usdt-target
# (default corpus/.build): a host executable with SystemTap SDT probes. It needs a C compiler (CC,
# default gcc: at -O2 it keeps probe arguments in registers, clang spills them to the stack) and
# <sys/sdt.h> (Debian: systemtap-sdt-dev). Exits 2 with the reason when either is missing.
# Also, where libbpf is installed (libbpf-dev), OUTPUT_DIR/usdt-libbpf-attach (usdt-target.libbpf.c):
# libbpf's bpf_program__attach_usdt, the oracle the USDT tests compare tsbpf with.
set -euo pipefail
cd "$(dirname "$0")"
OUT=${1:-.build}
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then echo "usdt-target.sh: $CC not found (set CC=...)" >&2; exit 2; fi
if ! echo '#include <sys/sdt.h>' | "$CC" -E -x c - >/dev/null 2>&1; then
  echo "usdt-target.sh: <sys/sdt.h> not found (apt-get install systemtap-sdt-dev)" >&2; exit 2
fi
mkdir -p "$OUT"
"$CC" -O2 -g -Wall -Werror -o "$OUT/usdt-target.tmp.$$" usdt-target.c usdt-target-semaphore.c
mv "$OUT/usdt-target.tmp.$$" "$OUT/usdt-target"
if echo '#include <bpf/libbpf.h>' | "$CC" -E -x c - >/dev/null 2>&1; then
  "$CC" -O2 -g -Wall -Werror -o "$OUT/usdt-libbpf-attach.tmp.$$" usdt-target.libbpf.c -lbpf
  mv "$OUT/usdt-libbpf-attach.tmp.$$" "$OUT/usdt-libbpf-attach"
fi
