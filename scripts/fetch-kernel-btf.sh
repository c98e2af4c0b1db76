#!/bin/sh
# Split-BTF fixtures from Debian's 6.1 kernel (issue 3): this host's kernel has no modules, so the
# split-BTF tests read a second kernel's vmlinux BTF and every module's BTF on top of it.
#
#   scripts/fetch-kernel-btf.sh [CACHE_DIR]     (default: $TSBPF_FIXTURES or /var/cache/tsbpf-fixtures)
#
# Produces CACHE_DIR/kernel-btf/vmlinux.btf and CACHE_DIR/kernel-btf/modules/NAME.btf (one per .ko with
# a .BTF section), plus CACHE_DIR/kernel-btf/VERSION naming the package. Idempotent: a finished run
# leaves a DONE stamp and the next run exits at once; an interrupted one resumes from what it has.
# Never committed: the cache lives outside the repository.
set -eu

cache=${1:-${TSBPF_FIXTURES:-/var/cache/tsbpf-fixtures}}
out="$cache/kernel-btf"
if [ -f "$out/DONE" ]; then
  echo "fetch-kernel-btf: $out is complete ($(cat "$out/VERSION"))"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb xz llvm-objcopy node; do
  command -v "$tool" >/dev/null || { echo "fetch-kernel-btf: $tool is missing; install it (Debian: apt-get install apt dpkg xz-utils llvm)" >&2; exit 1; }
done
mkdir -p "$out/modules" "$cache/download"
start=$(date +%s)

# linux-image-amd64 is a metapackage; the image is the package it depends on
image_of() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1; }
image=$(image_of)
# a machine that never ran apt-get update has no package lists yet
[ -n "$image" ] || { apt-get update -qq >/dev/null 2>&1 || true; image=$(image_of); }
[ -n "$image" ] || { echo "fetch-kernel-btf: cannot find the image linux-image-amd64 depends on (run apt-get update?)" >&2; exit 1; }
echo "$image" > "$out/VERSION"

deb=$(ls "$cache/download/${image}"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
  (cd "$cache/download" && apt-get download "$image")
  deb=$(ls "$cache/download/${image}"_*.deb | head -n 1)
fi

tree="$cache/tree"
if [ ! -f "$tree/.extracted" ]; then
  rm -rf "$tree"
  dpkg-deb -x "$deb" "$tree"
  touch "$tree/.extracted"
fi

# vmlinuz is a bzImage: setup code, then the compressed kernel. Find the first xz stream (magic
# FD 37 7A 58 5A 00) and decompress from there; trailing garbage after the stream is expected.
if [ ! -f "$out/vmlinux.btf" ]; then
  vmlinuz=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
  offset=$(LC_ALL=C grep -obaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
  [ -n "$offset" ] || { echo "fetch-kernel-btf: no xz stream in $vmlinuz" >&2; exit 1; }
  tail -c +"$((offset + 1))" "$vmlinuz" | xz -dc --single-stream > "$cache/vmlinux" 2>/dev/null || true
  llvm-objcopy --dump-section .BTF="$out/vmlinux.btf.tmp" "$cache/vmlinux" /dev/null
  mv "$out/vmlinux.btf.tmp" "$out/vmlinux.btf"
  rm -f "$cache/vmlinux"
fi

# Modules: Debian 6.1 ships plain .ko files (later kernels .ko.xz, decompressed first). One node
# process with tsbpf's ELF reader copies every module's .BTF (needs the build: npm run build).
extractor="$(dirname "$0")/../dist/src/test-support/extract-btf.js"
[ -f "$extractor" ] || { echo "fetch-kernel-btf: $extractor is missing; run npm run build first" >&2; exit 1; }
find "$tree/lib/modules" -name '*.ko.xz' | while read -r packed; do
  [ -f "${packed%.xz}" ] || xz -dk "$packed"
done
find "$tree/lib/modules" -name '*.ko' | node "$extractor" "$out/modules"

touch "$out/DONE"
echo "fetch-kernel-btf: $(ls "$out/modules" | wc -l) module blobs and vmlinux.btf from $image in $out ($(( $(date +%s) - start )) s)"
