#!/usr/bin/env bash
# The kernel matrix (issue 8): boots each kernel of vm/kernels.json under qemu (TCG) with the host's
# root read-only over 9p and runs the project's kernel tests there, with the host's node and dist/.
#
#   scripts/vm/run.sh [--kernel NAME] [--suite NAME] [--timeout SECONDS] [-- TEST_FILE...]
#
#   --kernel   one entry of vm/kernels.json (default: every entry)
#   --suite    a list in scripts/vm/suites/NAME.txt (default: full); files after -- replace it. A
#              kernel's entry may name its own list for a suite ("suites": {"ci": "ci-612"}): that
#              kernel runs scripts/vm/suites/ci-612.txt when --suite ci is asked for
#   --timeout  the guest's time limit, boot included (default: $TSBPF_VM_TIMEOUT or 900)
#
# The guest's console (kernel and the spec reporter) streams here. Each run's folder,
# $TSBPF_VM_RESULTS (default /var/tmp/tsbpf-vm)/KERNEL-TIMESTAMP (the last five kept), gets
# console.log, tests.jsonl (each test as it ends), summary.json (counts, boot and suite seconds, every
# test's outcome with its skip reason or failure message) and dmesg.log. Exits non-zero when a test
# failed or the guest did not finish within its limit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

kernels=() suite=full files=() timeout=${TSBPF_VM_TIMEOUT:-900}
while (($#)); do
  case "$1" in
    --kernel) kernels+=("$2"); shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --) shift; files=("$@"); break ;;
    *) echo "vm: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

# qemu, busybox-static, cpio, kmod (depmod/modprobe for the guest) and file (to check busybox is static) from Debian, installed only when missing
missing=()
for package in qemu-system-x86 busybox-static cpio kmod file e2fsprogs; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "vm: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The guest runs the built project as it is on the host; it builds only what is missing.
[ -d dist/src ] || npm run build --silent
# A stale corpus would be rebuilt inside the guest (in its memory, under TCG): rebuild it here instead.
node --input-type=module -e '
  const { corpus } = await import(process.argv[1]);
  const built = corpus();
  if (typeof built === "string") { console.error(`vm: corpus: ${built}`); process.exit(1); }' "$repo/dist/src/test-support/corpus.js"

# The test files of a suite list (globs relative to the repository), one a line.
suite_files() {
  local list="$here/suites/$1.txt" pattern file
  shopt -s nullglob
  while read -r pattern; do
    [[ -z "$pattern" || "$pattern" == \#* ]] && continue
    for file in $pattern; do echo "$repo/$file"; done
  done < "$list"
  shopt -u nullglob
}
given_files=()
for file in "${files[@]}"; do [[ "$file" == /* ]] && given_files+=("$file") || given_files+=("$repo/$file"); done

if ((${#kernels[@]} == 0)); then
  mapfile -t kernels < <(node -e 'for (const k of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).kernels) console.log(k.name)' "$repo/vm/kernels.json")
fi
# One field of a kernel's entry (a list joined by spaces; a.b for a nested one), or empty.
field() {
  node -e '
    const [file, name, key] = process.argv.slice(1);
    let value = JSON.parse(require("fs").readFileSync(file, "utf8")).kernels.find((k) => k.name === name);
    for (const part of key.split(".")) value = value?.[part];
    process.stdout.write(Array.isArray(value) ? value.join(" ") : String(value ?? ""));' "$repo/vm/kernels.json" "$1" "$2"
}

results_root=${TSBPF_VM_RESULTS:-/var/tmp/tsbpf-vm}
overall=0
for kernel in "${kernels[@]}"; do
  files=("${given_files[@]}")
  kernel_suite="the files given"
  if ((${#files[@]} == 0)); then
    kernel_suite=$(field "$kernel" "suites.$suite")
    kernel_suite=${kernel_suite:-$suite}
    [ -f "$here/suites/$kernel_suite.txt" ] || { echo "vm: no suite $here/suites/$kernel_suite.txt (for $kernel)" >&2; exit 2; }
    mapfile -t files < <(suite_files "$kernel_suite")
  fi
  ((${#files[@]})) || { echo "vm: no test files to run for $kernel" >&2; exit 2; }
  tree=$(bash "$here/fetch-kernel.sh" "$kernel" | tail -n 1)
  vmlinuz=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
  results="$results_root/$kernel-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$results"
  # keep this kernel's last five runs
  ls -d "$results_root/$kernel"-2* 2>/dev/null | head -n -5 | xargs -r rm -rf
  bash "$here/initramfs.sh" "$tree" "$results/initramfs.cpio.gz"
  cp "$here/guest-run.sh" "$here/summary-reporter.mjs" "$results/"
  # The guest runs a snapshot of the build (package.json, dist, corpus with its objects, src, scripts;
  # a few MB) mounted over the repository's own path, so a rebuild on the host during the run (others
  # at work, a corpus rebuild) cannot change it mid-suite, and paths compiled into the objects still
  # hold. node_modules is copied too (the host path may be hidden in the guest, e.g. under /tmp).
  mkdir -p "$results/repo"
  cp -a package.json dist corpus src scripts node_modules "$results/repo/"
  # test files given from an engineer's own build folder (.build-NAME) bring that folder along
  for file in "${files[@]}"; do
    case "$file" in
      "$repo"/.build-*/*) build=${file#"$repo"/}; build=${build%%/*}
        [ -d "$results/repo/$build" ] || cp -a "$repo/$build" "$results/repo/" ;;
    esac
  done
  {
    printf 'REPO=%q\n' "$repo"
    printf 'NODE_TEST_ARGS=%q\n' "${TSBPF_VM_NODE_TEST_ARGS:-}"
    printf 'MODULES=%q\n' "$(field "$kernel" modules)"
    printf 'FILES=('; printf ' %q' "${files[@]}"; printf ' )\n'
  } > "$results/job.env"

  # the guest's scratch disk (mounted at /var/tmp/scratch as TMPDIR), sparse, gone after the run
  truncate -s 1G "$results/scratch.img"
  mkfs.ext4 -q -F "$results/scratch.img"
  echo "vm: booting $kernel ($(basename "$vmlinuz")), suite $kernel_suite: ${#files[@]} test files, limit ${timeout} s, load $(cut -d' ' -f1-3 /proc/loadavg); results in $results"
  start=$(date +%s.%N)
  set +e
  timeout -k 10 "$timeout" qemu-system-x86_64 \
    -accel tcg -cpu max -smp 2 -m 4G \
    -nodefaults -no-reboot -display none -serial stdio \
    -kernel "$vmlinuz" -initrd "$results/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 tsbpf.results=$results tsbpf.tree=$tree tsbpf.repo=$repo" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$results,mount_tag=results,security_model=none" \
    -drive "file=$results/scratch.img,if=virtio,format=raw" \
    < /dev/null 2>&1 | tee "$results/console.log"
  qemu_status=${PIPESTATUS[0]}
  set -e
  rm -f "$results/scratch.img"
  host_seconds=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")

  problem=
  if ((qemu_status == 124 || qemu_status == 137)); then problem="the guest did not finish within its ${timeout} s limit"
  elif ((qemu_status != 0)); then problem="qemu exited with $qemu_status"
  fi
  node "$here/summarize.mjs" "$results" "$kernel" "$host_seconds" "$problem" || overall=1
done
exit "$overall"
