#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite against this machine's kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
