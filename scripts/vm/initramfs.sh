#!/usr/bin/env bash
# Builds the guest's initramfs for one unpacked kernel tree (scripts/vm/fetch-kernel.sh):
#
#   scripts/vm/initramfs.sh TREE OUT.cpio.gz
#
# It holds busybox-static, the stage-1 init (scripts/vm/init) and the modules that mount the host's
# root over 9p (virtio PCI transport, 9p, netfs/fscache) plus overlay, which gives the guest a
# writable root whose writes stay in guest memory. The order is the dependency order: insmod does not
# resolve dependencies and the unpacked tree has no modules.dep. A name ending in '?' may be absent:
# fscache is its own module up to 6.1 and part of netfs in later ones (6.12).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=${1:?usage: initramfs.sh TREE OUT.cpio.gz}
out=${2:?usage: initramfs.sh TREE OUT.cpio.gz}
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache? 9pnet 9pnet_virtio 9p overlay)

busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || { echo "initramfs: a static busybox is needed (apt-get install busybox-static)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "initramfs: cpio is needed (apt-get install cpio)" >&2; exit 1; }
version=$(ls "$tree/lib/modules" | head -n 1)
[ -n "$version" ] || { echo "initramfs: $tree/lib/modules is empty" >&2; exit 1; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging"/{bin,dev,proc,sys,host,rw,root,modules,etc}
cp "$busybox" "$staging/bin/busybox"
ln -s busybox "$staging/bin/sh"
cp "$here/init" "$staging/init"
# The kernel runs /sbin/modprobe in PID 1's root (this initramfs) to load a module on demand (veth,
# a qdisc...): hand it to the host's modprobe in the guest's root, where lib/modules is.
mkdir -p "$staging/sbin"
printf '#!/bin/sh\nexec /bin/chroot /root /sbin/modprobe "$@"\n' > "$staging/sbin/modprobe"
chmod +x "$staging/init" "$staging/sbin/modprobe"
: > "$staging/etc/modules.order"
for wanted in "${modules[@]}"; do
  module=${wanted%\?}
  # built into this kernel: nothing to load
  if grep -q "/$module.ko" "$tree/lib/modules/$version/modules.builtin" 2>/dev/null; then continue; fi
  file=$(find "$tree/lib/modules/$version" -name "$module.ko" -o -name "$module.ko.xz" -o -name "$module.ko.zst" | head -n 1)
  if [ -z "$file" ]; then
    [ "$wanted" != "$module" ] && continue
    echo "initramfs: $module is neither a module nor built into $version" >&2; exit 1
  fi
  case "$file" in
    *.xz) xz -dc "$file" > "$staging/modules/$module.ko" ;;
    *.zst) zstd -qdc "$file" > "$staging/modules/$module.ko" ;;
    *) cp "$file" "$staging/modules/$module.ko" ;;
  esac
  echo "$module" >> "$staging/etc/modules.order"
done
(cd "$staging" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
