#!/usr/bin/env bash
# Brings one kernel of vm/kernels.json into the cache, unpacked but never installed (the host's /boot
# and /lib/modules stay untouched):
#
#   scripts/vm/fetch-kernel.sh NAME            prints the unpacked tree's folder on its last line
#
# The tree holds boot/vmlinuz-VERSION, boot/config-VERSION and lib/modules/VERSION. Cache:
# $TSBPF_VM_CACHE or /var/cache/tsbpf-vm. Idempotent: an unpacked tree carries a .extracted stamp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=${1:?usage: fetch-kernel.sh NAME (an entry of vm/kernels.json)}
cache=${TSBPF_VM_CACHE:-/var/cache/tsbpf-vm}

# One field of the entry, or empty.
field() {
  node -e '
    const [file, name, key] = process.argv.slice(1);
    const entry = JSON.parse(require("fs").readFileSync(file, "utf8")).kernels.find((k) => k.name === name);
    if (!entry) { console.error(`fetch-kernel: no kernel named ${name} in ${file}`); process.exit(2); }
    process.stdout.write(String(entry[key] ?? ""));' "$repo/vm/kernels.json" "$name" "$1"
}
source_kind=$(field source)

case "$source_kind" in
  dir)
    tree=$(field path)
    [ -d "$tree/boot" ] && [ -d "$tree/lib/modules" ] || { echo "fetch-kernel: $tree has no boot/ and lib/modules/" >&2; exit 1; }
    echo "$tree"; exit 0 ;;
  apt) ;;
  *) echo "fetch-kernel: $name: unknown source '$source_kind' (apt or dir)" >&2; exit 1 ;;
esac

package=$(field package)
# A metapackage (linux-image-amd64, linux-image-6.12-amd64) names the real image among its
# dependencies; an image package depends on no other image. (Its name alone does not tell them apart:
# linux-image-6.12-amd64 is a metapackage.)
image_of() {
  apt-cache show "$package" >/dev/null 2>&1 || return 0
  local dependency
  dependency=$(apt-cache depends "$package" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
  echo "${dependency:-$package}"
}
image=$(image_of)
# a machine that never ran apt-get update has no package lists yet
[ -n "$image" ] || { apt-get update -qq >/dev/null 2>&1 || true; image=$(image_of); }
[ -n "$image" ] || { echo "fetch-kernel: cannot resolve $package to a kernel image package (apt-get update?)" >&2; exit 1; }

dir="$cache/$name"
tree="$dir/$image"
if [ ! -f "$tree/.extracted" ]; then
  mkdir -p "$dir/download"
  deb=$(ls "$dir/download/${image}"_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    echo "fetch-kernel: apt-get download $image" >&2
    (cd "$dir/download" && apt-get download -q "$image" >/dev/null 2>apt-download.log) || { cat "$dir/download/apt-download.log" >&2; exit 1; }
    deb=$(ls "$dir/download/${image}"_*.deb | head -n 1)
  fi
  rm -rf "$tree"
  dpkg-deb -x "$deb" "$tree"
  # modules.dep, which the package's postinst would make, so modprobe works in the guest; -b keeps
  # depmod inside the tree
  depmod -b "$tree" "$(ls "$tree/lib/modules" | head -n 1)"
  touch "$tree/.extracted"
fi
echo "$tree"
