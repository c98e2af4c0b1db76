#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) to build and test tsbpf: the reference tools the tests
# compare against (bpftool, llvm-objdump, readelf, libbpf), clang for BPF C, then npm ci and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config gcc make binutils util-linux iproute2 python3 systemtap-sdt-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
