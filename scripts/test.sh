#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite against this machine's kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian 6.1's vmlinux and module BTF: the split-BTF fixtures (about 30 s the first time, cached after).
# Without them the split-BTF tests skip and say why.
bash scripts/fetch-kernel-btf.sh || echo "test: kernel BTF fixtures unavailable; split-BTF tests will skip"
npm test
