#!/bin/bash
# Stage 2 of the guest: runs chrooted in the host's root (under the guest's overlay) as root, with the
# host's node and the built project. Reads RESULTS/job.env (written by scripts/vm/run.sh): REPO, the
# test FILES, NODE_TEST_ARGS, MODULES (to load first). Streams the spec reporter to the console and writes RESULTS/tests.jsonl
# (scripts/vm/summary-reporter.mjs), RESULTS/guest.json (kernel, timings), RESULTS/dmesg.log and
# RESULTS/exit-code.
results=${1:?usage: guest-run.sh RESULTS}
# shellcheck source=/dev/null
. "$results/job.env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root NO_COLOR=1 FORCE_COLOR=0 TERM=dumb
export TSBPF_GUEST=1
cd "$REPO" || { echo 2 > "$results/exit-code"; exit 2; }
ip link set lo up 2>/dev/null || true
# modules the kernel's entry asks for (their BTF joins the CO-RE candidates, as on a real system)
for module in $MODULES; do modprobe "$module" || echo "tsbpf-vm: modprobe $module failed"; done
# A real disk for temporary files (run.sh attaches an ext4 image as virtio-blk): block I/O the tools
# (biolatency) can see, where the guest's /tmp is memory. The repository may live under /tmp, so the
# disk goes elsewhere and TMPDIR points at it.
if modprobe virtio_blk && modprobe ext4 && mkdir -p /var/tmp/scratch && mount -t ext4 /dev/vda /var/tmp/scratch; then
  chmod 1777 /var/tmp/scratch
  export TMPDIR=/var/tmp/scratch
else
  echo "tsbpf-vm: no scratch disk (/dev/vda): temporary files stay in memory"
fi
uptime_s() { cut -d' ' -f1 /proc/uptime; }
started=$(uptime_s)
echo "tsbpf-vm: guest $(uname -r) up in ${started} s; running ${#FILES[@]} test files"
# shellcheck disable=SC2086
node --test --test-concurrency=1 $NODE_TEST_ARGS \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter="$results/summary-reporter.mjs" --test-reporter-destination="$results/tests.jsonl" \
  "${FILES[@]}"
status=$?
finished=$(uptime_s)
printf '{"kernel":"%s","bootSeconds":%s,"suiteSeconds":%s,"nodeExit":%d}\n' \
  "$(uname -r)" "$started" "$(awk "BEGIN{print $finished - $started}")" "$status" > "$results/guest.json"
# the kernel's own messages (BPF warnings, 9p) for a failure's context; the console shows errors only
dmesg > "$results/dmesg.log" 2>/dev/null || true
echo "$status" > "$results/exit-code"
sync
