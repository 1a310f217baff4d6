#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three-way handshake interop between ATCP and Linux's own TCP, through the
# protocol-byte rewrite of lib.sh (tc pedit on a veth: TCP leaves as IP
# protocol 253 and 253 enters as TCP; the TCP checksum is valid for both
# because ATCP computes it with pseudo-header protocol 6).
#
#   1. Linux TCP client in ns1 (rewrite on ns1's veth) -> ATCP listener in
#      ns2: connect() succeeds, ATCP accept() returns it, `ss -tn` in ns1
#      shows ESTAB, ns2's atcp_stat PassiveOpens=1 CurrEstab=1 (2 after
#      the IPv6 one); IPv4 and IPv6.
#   2. ATCP client in ns1 -> Linux TCP listener in ns2 (rewrite moved to
#      ns2's veth): both ends ESTABLISHED (`ss -tn` in ns2, ns1's
#      atcp_stat ActiveOpens/CurrEstab, /proc/net/atcp when present).
# A capture on ns2's veth shows protocol / next header 253 both ways for
# every connection, never 6, and valid TCP checksums (Linux's with
# checksum offload turned off, so ATCP verifies real ones).
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump ss
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

# Linux TCP with checksum offload leaves partial checksums on a veth;
# without it every Linux segment has a full TCP checksum that ATCP must
# verify (pseudo-header protocol 6 on both sides).
linux_csum=0
if command -v ethtool >/dev/null &&
   nsx "$NS1" ethtool -K "$VETH1" tx off >/dev/null 2>&1 &&
   nsx "$NS2" ethtool -K "$VETH2" tx off >/dev/null 2>&1; then
	linux_csum=1
else
	diag "could not turn checksum offload off: Linux's checksums are not checked"
fi

cap=$CAP_DIR/interop_handshake.pcap
cap_start "$NS2" "$VETH2" "$cap" "ip proto $ATCP_PROTO or ip6 proto $ATCP_PROTO or tcp or ip6 proto 6" ||
	bail_out "cannot start tcpdump"
plan=$TEST_TMP/plan.jsonl
: >"$plan"
common=(ns1="$NS1" ns2="$NS2" stat1="/proc/$NS1_PID/net/atcp_stat"
	stat2="/proc/$NS2_PID/net/atcp_stat" proc1="/proc/$NS1_PID/net/atcp"
	plan="$plan")

# --- 1. Linux TCP client -> ATCP server -------------------------------------
if out=$(rewrite_add "$NS1" "$VETH1" 2>&1); then
	tap_import < <("$PY" -S "$SELFTESTS_DIR/q_interop.py" run case=linux-client "${common[@]}" 2>&1)
else
	not_ok "tc rewrite on ns1's veth" "$out"
fi
rewrite_del "$NS1" "$VETH1" >/dev/null 2>&1

# --- 2. ATCP client -> Linux TCP server -------------------------------------
if out=$(rewrite_add "$NS2" "$VETH2" 2>&1); then
	tap_import < <("$PY" -S "$SELFTESTS_DIR/q_interop.py" run case=atcp-client "${common[@]}" 2>&1)
else
	not_ok "tc rewrite on ns2's veth" "$out"
fi

snooze 0.5
cap_stop
tap_import < <("$PY" -S "$SELFTESTS_DIR/q_interop.py" analyze pcap="$cap" plan="$plan" \
	linux_csum=$linux_csum 2>&1)

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
