#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: ATCP against Linux TCP, the same tests in the same VM run,
# on a kernel WITHOUT the debug options (KASAN, lockdep and kmemleak slow
# the two protocols down by different amounts, so `make check`'s kernel
# would give meaningless ratios).
#
#   1. scripts/deps.sh            packages (root)
#   2. scripts/bench-kernel.sh    Debian 12's stock kernel, the version of
#                                 the installed linux-headers, with a small
#                                 initramfs for 9p/virtio/veth (cached)
#   3. atcp.ko against those headers, built in a snapshot of the tree
#      (build/bench-<time>/src), so module/'s objects for the debug kernel
#      are left alone; make -C tools (atcp-bench)
#   4. scripts/vm-run.sh --initrd ... scripts/bench-guest.sh: QEMU under TCG
#      (never KVM), two namespaces over veth, atcp-bench for each test,
#      alternating TCP and ATCP
#   5. a table: for each metric the median over the runs of each protocol
#      and ATCP/TCP
#
# Results: build/bench-<time>/ (build/bench-latest): bench-results.txt (every
# run's line), bench-env.txt, summary.txt (the table), console.log.
#
# Exit status: 0 when every run of both protocols completed; 1 when any
# failed (the table says "FAILED" there and the error is printed; no number
# is made up for a failed run); 2 when the set-up failed.
#
# Environment (defaults in brackets):
#   ATCP_BENCH_MIB [64]     bulk: MiB per run
#   ATCP_BENCH_RR [5000]    rr: transactions per run
#   ATCP_BENCH_CRR [500]    crr: connect/request/response/close cycles per run
#   ATCP_BENCH_REQ [64], ATCP_BENCH_RESP [64]  rr/crr message sizes (bytes)
#   ATCP_BENCH_REPS [3]     runs per test and protocol (the median is shown)
#   ATCP_BENCH_OFFLOAD [on] "off": TSO/GSO/GRO off on the veth pair
#   ATCP_BENCH_TIMEOUT [1200] seconds before the VM is killed
#   ATCP_VM_CPUS [2], ATCP_VM_MEM [2G]   as for scripts/vm-run.sh
#   ATCP_VERBOSE=1          show the whole VM console
#
# Numbers from an emulated CPU (TCG) are slow in absolute terms and noisy:
# read the ratios, not the absolute values, and compare runs only on the
# same machine and load.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
stamp=$(date +%Y%m%d-%H%M%S)
out=$repo/build/bench-$stamp
mkdir -p "$out"
ln -sfn "bench-$stamp" "$repo/build/bench-latest"
log() { echo "bench: $*" >&2; }
fatal() { log "$*"; exit 2; }

log "checking dependencies (scripts/deps.sh)"
scripts/deps.sh >"$out/deps.log" 2>&1 || { cat "$out/deps.log" >&2; fatal "scripts/deps.sh failed"; }

log "non-debug kernel (scripts/bench-kernel.sh)"
kdir_cache=$(scripts/bench-kernel.sh | tail -1) || fatal "scripts/bench-kernel.sh failed"
kdir=$(cat "$kdir_cache/kdir")

log "building atcp.ko against $kdir (snapshot in $out/src)"
mkdir -p "$out/src"
tar -C "$repo" --exclude=.git --exclude=./build \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order \
	-cf - Kbuild Makefile module include | tar -C "$out/src" -xf -
make -C "$out/src" KDIR="$kdir" -j"$(nproc)" >"$out/module-build.log" 2>&1 || {
	tail -30 "$out/module-build.log" >&2
	fatal "module build failed (log: $out/module-build.log)"
}
ko=$out/src/module/atcp.ko
[ -f "$ko" ] || fatal "no $ko after the build"

log "building tools (make -C tools)"
make -C tools >"$out/tools-build.log" 2>&1 || {
	tail -30 "$out/tools-build.log" >&2
	fatal "tools build failed"
}

args=(
	"ko=$ko"
	"mib=${ATCP_BENCH_MIB:-64}" "rr=${ATCP_BENCH_RR:-5000}"
	"crr=${ATCP_BENCH_CRR:-500}" "req=${ATCP_BENCH_REQ:-64}"
	"resp=${ATCP_BENCH_RESP:-64}" "reps=${ATCP_BENCH_REPS:-3}"
	"offload=${ATCP_BENCH_OFFLOAD:-on}"
)
log "booting the VM (${kdir##*/linux-headers-}, TCG); console: $out/console.log"
show() {
	if [ "${ATCP_VERBOSE:-0}" = 1 ]; then
		cat
	else
		sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//' |
			grep --line-buffered -E '^\[bench\]|^bench-initramfs:|^guest-init:|Kernel panic|BUG: |Oops'
	fi
}
set +e
scripts/vm-run.sh --follow --initrd "$kdir_cache/initrd.img" \
	-t "${ATCP_BENCH_TIMEOUT:-1200}" "$kdir_cache/vmlinuz" \
	scripts/bench-guest.sh "$out" "${args[@]}" | show >&2
vm_rc=${PIPESTATUS[0]}
set -e
if [ "$vm_rc" != 0 ] || [ ! -s "$out/bench-results.txt" ]; then
	tail -30 "$out/console.log" >&2
	fatal "the VM run failed (exit $vm_rc); console: $out/console.log"
fi

# The table.  MB/s, transactions/s and connections/s: higher is better;
# latencies: lower is better.  ATCP/TCP > 1 means ATCP is faster for a
# rate and slower for a latency.
python3 - "$out/bench-results.txt" "$out/bench-env.txt" >"$out/summary.txt" <<'EOF'
import statistics
import sys

metrics = [
    ("bulk", "MBps", "bulk throughput, MB/s", "higher"),
    ("rr", "tps", "request/response, transactions/s", "higher"),
    ("rr", "mean_us", "request/response, mean latency, us", "lower"),
    ("rr", "p99_us", "request/response, p99 latency, us", "lower"),
    ("crr", "cps", "connection rate, connections/s", "higher"),
    ("crr", "mean_us", "connection rate, mean cycle time, us", "lower"),
]
vals = {}
fails = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) < 4 or w[0] not in ("OK", "FAIL"):
        if w and w[0] == "SETUP-FAILED":
            print("set-up failed in the VM: " + " ".join(w[1:]))
        continue
    status, test, proto = w[0], w[1], w[2]
    if status == "FAIL":
        fails.setdefault((test, proto), []).append(" ".join(w[4:]))
        continue
    for kv in w[4:]:
        if "=" in kv:
            k, v = kv.split("=", 1)
            try:
                vals.setdefault((test, proto, k), []).append(float(v))
            except ValueError:
                pass

for line in open(sys.argv[2]):
    print("# " + line.rstrip())
print()
print("%-40s %12s %12s %10s" % ("median of the runs", "TCP", "ATCP", "ATCP/TCP"))
for test, key, name, better in metrics:
    cells = []
    med = {}
    for proto in ("tcp", "atcp"):
        v = vals.get((test, proto, key))
        if (test, proto) in fails or not v:
            cells.append("FAILED")
        else:
            med[proto] = statistics.median(v)
            cells.append("%.1f" % med[proto])
    ratio = "%.3f" % (med["atcp"] / med["tcp"]) if len(med) == 2 and med["tcp"] else "-"
    print("%-40s %12s %12s %10s" % (name, cells[0], cells[1], ratio))
print()
print("ATCP/TCP: for rates (MB/s, /s) above 1 means ATCP is faster; for")
print("latencies (us) above 1 means ATCP is slower.")
if fails:
    print()
    for (test, proto), msgs in sorted(fails.items()):
        print("%s over %s failed %d time(s): %s" % (test, proto, len(msgs), msgs[0]))
EOF
cat "$out/summary.txt"
log "results in $out"
if grep -q '^FAIL\|^SETUP-FAILED' "$out/bench-results.txt"; then
	log "FAILED: some runs did not complete (see above); no ratio is given for them"
	exit 1
fi
exit 0
