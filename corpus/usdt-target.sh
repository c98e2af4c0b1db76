#!/usr/bin/env bash
# Builds the USDT test target (usdt-target.c, usdt-target-semaphore.c) into OUTPUT_DIR/usdt-target
# (default corpus/.build): a host executable with SystemTap SDT probes. It needs a C compiler (CC,
# default gcc: at -O2 it keeps probe arguments in registers, clang spills them to the stack) and
# <sys/sdt.h> (Debian: systemtap-sdt-dev). Exits 2 with the reason when either is missing.
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
