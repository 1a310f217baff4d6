#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module life cycle: /proc/modules and the proto= parameter, the module
# reference an open socket holds, refusing a protocol number that is taken
# (with a clear message and nothing left registered), ten load/unload
# cycles, and no kmemleak report from atcp afterwards.  Leaves the module
# loaded if it found it loaded.
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd insmod rmmod dmesg
[ -f "$ATCP_KO" ] || bail_out "no module at $ATCP_KO"

was_loaded=0
atcp_loaded && was_loaded=1
restore() {
	if [ $was_loaded = 1 ]; then
		atcp_loaded || atcp_load >/dev/null
	else
		atcp_unload >/dev/null
	fi
}
on_exit restore

KMEMLEAK=/sys/kernel/debug/kmemleak
[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK 2>/dev/null

in_proc_modules() {
	local name rest
	while read -r name rest; do
		[ "$name" = atcp ] && return 0
	done </proc/modules
	return 1
}

# --- a loaded module is visible ---------------------------------------------
atcp_unload >/dev/null || bail_out "cannot unload atcp to start from scratch"
out=$(atcp_load)
if [ $? = 0 ] && in_proc_modules; then
	ok "insmod atcp.ko succeeds and atcp is listed in /proc/modules"
else
	not_ok "insmod atcp.ko succeeds and atcp is listed in /proc/modules" "$out"
fi

p=
read -r p </sys/module/atcp/parameters/proto
if [ "$p" = 253 ]; then
	ok "/sys/module/atcp/parameters/proto is 253 by default"
else
	not_ok "/sys/module/atcp/parameters/proto is 253 by default" "read: ${p:-nothing}"
fi

# --- an open socket pins the module -------------------------------------------
# hold_check FAMILY: a socket of FAMILY makes rmmod fail; once it is closed
# rmmod succeeds.
hold_check() {
	local fam=$1 fifo=$TEST_TMP/hold$1 log=$TEST_TMP/hold$1.log pid rc out
	atcp_ensure_loaded >/dev/null
	mkfifo "$fifo"
	"${ATCP_PY[@]}" hold fam="$fam" <"$fifo" >"$log" 2>&1 &
	pid=$!
	exec 7>"$fifo"
	if ! wait_until 60 file_has "$log" ready; then
		exec 7>&-
		wait $pid
		not_ok "rmmod refused while an AF_INET${fam/4/} ATCP socket is open" \
			"could not open the socket:" "$(<"$log")"
		not_ok "rmmod succeeds once the AF_INET${fam/4/} socket is closed" \
			"no socket"
		return
	fi
	out=$(rmmod atcp 2>&1)
	rc=$?
	if [ $rc != 0 ] && atcp_loaded; then
		ok "rmmod refused while an AF_INET${fam/4/} ATCP socket is open"
	else
		not_ok "rmmod refused while an AF_INET${fam/4/} ATCP socket is open" \
			"rmmod exit $rc: $out"
	fi
	exec 7>&-
	wait $pid
	out=$(atcp_unload)
	if [ $? = 0 ] && ! atcp_loaded; then
		ok "rmmod succeeds once the AF_INET${fam/4/} socket is closed"
	else
		not_ok "rmmod succeeds once the AF_INET${fam/4/} socket is closed" "$out"
	fi
}
hold_check 4
hold_check 6

# --- proto= ---------------------------------------------------------------------
atcp_unload >/dev/null
out=$(atcp_load proto=254)
p=
read -r p </sys/module/atcp/parameters/proto
if [ "$p" = 254 ]; then
	ok "proto=254 shows in /sys/module/atcp/parameters/proto"
else
	not_ok "proto=254 shows in /sys/module/atcp/parameters/proto" \
		"insmod: $out" "read: ${p:-nothing}"
fi
atcp_unload >/dev/null || bail_out "cannot unload atcp"

# Taken numbers: loading fails with EEXIST or EBUSY, the kernel log says
# why, and nothing stays registered (checked by the cycles below, which
# need every registration to succeed again).
before=$(dmesg | wc -l)
declare -A taken_out taken_rc
for n in 6 17; do
	taken_out[$n]=$(atcp_load proto=$n)
	taken_rc[$n]=$?
	atcp_loaded && { taken_rc[$n]="0 (module loaded)"; atcp_unload >/dev/null; }
done
log=$(dmesg | tail -n +"$((before + 1))")
for n in 6 17; do
	what=TCP
	[ $n = 17 ] && what=UDP
	if [ "${taken_rc[$n]}" != 0 ] &&
	   [[ "${taken_out[$n]}" == *"File exists"* || "${taken_out[$n]}" == *"Device or resource busy"* ]]; then
		ok "insmod proto=$n ($what) fails with EEXIST or EBUSY"
	else
		not_ok "insmod proto=$n ($what) fails with EEXIST or EBUSY" \
			"insmod exit ${taken_rc[$n]}: ${taken_out[$n]}"
	fi
	msg=
	while IFS= read -r line; do
		[[ "$line" == *"atcp:"* ]] || continue
		[[ "$line" =~ (^|[^0-9])$n([^0-9]|$) ]] || continue
		shopt -s nocasematch
		[[ "$line" =~ in\ use|taken|registered|busy|exists ]] && msg=$line
		shopt -u nocasematch
	done <<<"$log"
	if [ -n "$msg" ]; then
		ok "the kernel log says protocol $n is in use"
		diag "${msg#*] }"
	else
		not_ok "the kernel log says protocol $n is in use" "atcp lines:" \
			"$(grep 'atcp:' <<<"$log")"
	fi
done

# --- load/unload cycles -----------------------------------------------------------
# finit_module/delete_module from one process: insmod/rmmod execs would
# cost ~20 s in the VM.  Each cycle opens and closes an AF_INET and an
# AF_INET6 socket, which touches proto, protosw and per-netns state.
tap_import < <("${ATCP_PY[@]}" cycles ko="$ATCP_KO" n=10 2>&1)

if [ -d /proc/sys/net/atcp ] || [ -e /proc/net/atcp_stat ]; then
	not_ok "unload removes /proc/sys/net/atcp and /proc/net/atcp_stat" \
		"/proc/sys/net/atcp or /proc/net/atcp_stat still there"
else
	ok "unload removes /proc/sys/net/atcp and /proc/net/atcp_stat"
fi

# --- kmemleak -----------------------------------------------------------------------
# An object is reported once it is unreferenced in a scan, older than
# ~5 s and unchanged since the previous scan: scan, let it age, scan
# again.  After rmmod, return addresses in the module no longer resolve
# to symbols, so a report counts as atcp's if it names atcp, was
# allocated by insmod/rmmod, or has an unresolved address in its trace.
if [ -w $KMEMLEAK ]; then
	echo scan >$KMEMLEAK
	snooze 5
	echo scan >$KMEMLEAK
	leaks=$(awk '
		function flush() { if (blk ~ /atcp|"insmod"|"rmmod"|"python3"|(^|\n)[ \t]*(\[<[0-9a-f]+>\] )?0x[0-9a-f]+(\n|$)/) print blk }
		/^unreferenced object/ { flush(); blk = $0; next }
		{ blk = blk "\n" $0 }
		END { flush() }' $KMEMLEAK)
	if [ -z "$leaks" ]; then
		ok "kmemleak finds no leak from atcp after the cycles"
	else
		not_ok "kmemleak finds no leak from atcp after the cycles" \
			"$(head -60 <<<"$leaks")"
	fi
else
	skip "kmemleak finds no leak from atcp after the cycles" "no $KMEMLEAK"
fi
