#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# net.atcp.* sysctls: every name present with its default (rmem and wmem
# as three values), ranges enforced
# (boundaries accepted; one past them rejected with EINVAL and nothing
# changed), per network namespace (a change stays in its namespace; a new
# namespace starts from the defaults, not from init_net's values),
# congestion_control names, and values dropped on module reload.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

# ns_sh NS SCRIPT: run a bash script in NS (one exec pair for many steps).
ns_sh() {
	ip netns exec "$1" bash -c "cd /proc/sys/net/atcp || exit 1; $2" 2>&1
}

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
D=/proc/sys/net/atcp
INT_MAX=2147483647

# name default min max ("mem" default: memory-based, any value > 0)
TABLE="
keepalive_time		7200	1	32767
keepalive_intvl		75	1	32767
keepalive_probes	9	1	127
syn_retries		6	1	127
synack_retries		5	0	127
abort_on_overflow	0	0	1
max_syn_backlog		4096	128	65535
syncookies		1	0	2
fin_timeout		60	1	3600
msl			30	1	120
orphan_retries		8	0	127
retries1		3	1	255
retries2		15	1	255
max_tw_buckets		mem	0	$INT_MAX
max_orphans		mem	0	$INT_MAX
rfc1337			0	0	1
challenge_ack_limit	1000	1	$INT_MAX
invalid_ratelimit	500	0	$INT_MAX
rto_min_ms		200	1	1000
"

# --- names and defaults -----------------------------------------------------
while read -r name def min max; do
	[ -n "$name" ] || continue
	v="(missing)"
	read -r v <"$D/$name"
	if [ "$def" = mem ]; then
		if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ]; then
			ok "net.atcp.$name present with a positive memory-based default ($v)"
		else
			not_ok "net.atcp.$name present with a positive memory-based default" "read: $v"
		fi
	elif [ "$v" = "$def" ]; then
		ok "net.atcp.$name present, default $def"
	else
		not_ok "net.atcp.$name present, default $def" "read: $v"
	fi
done <<<"$TABLE"

v="(missing)"
read -r v <$D/congestion_control
if [ "$v" = cubic ]; then
	ok "net.atcp.congestion_control present, default cubic"
else
	not_ok "net.atcp.congestion_control present, default cubic" "read: $v"
fi

# --- ranges (in init_net) -------------------------------------------------
# try_write NAME VALUE: 0 if accepted and read back; else prints why.
try_write() {
	local err got
	err=$(atcp_sysctl_set "" "$1" "$2") || { echo "write $2: $err"; return 1; }
	read -r got <"$D/$1"
	[ "$got" = "$2" ] || { echo "wrote $2, read back $got"; return 1; }
}

# try_reject NAME VALUE: 0 if the write fails with EINVAL and the value
# is unchanged; else prints why.
try_reject() {
	local before err got
	read -r before <"$D/$1"
	if err=$(atcp_sysctl_set "" "$1" "$2"); then
		read -r got <"$D/$1"
		echo "write $2 was accepted (now $got)"
		return 1
	fi
	[ "$err" = "Invalid argument" ] || { echo "write $2 failed with '$err', not EINVAL"; return 1; }
	read -r got <"$D/$1"
	[ "$got" = "$before" ] || { echo "write $2 failed but the value went $before -> $got"; return 1; }
}

while read -r name def min max; do
	[ -n "$name" ] || continue
	read -r orig <"$D/$name" 2>/dev/null || {
		not_ok "net.atcp.$name accepts $min and $max" "missing"
		not_ok "net.atcp.$name rejects $((min - 1)) and $((max + 1))" "missing"
		continue
	}
	why=
	for v in "$min" "$max" "$(( (min + max) / 2 ))"; do
		w=$(try_write "$name" "$v") || why+="$w; "
	done
	if [ -z "$why" ]; then
		ok "net.atcp.$name accepts $min, $max and a middle value"
	else
		not_ok "net.atcp.$name accepts $min, $max and a middle value" "$why"
	fi
	atcp_sysctl_set "" "$name" "$orig" >/dev/null
	why=
	for v in "$((min - 1))" "$((max + 1))"; do
		w=$(try_reject "$name" "$v") || why+="$w; "
	done
	if [ -z "$why" ]; then
		ok "net.atcp.$name rejects $((min - 1)) and $((max + 1)) with EINVAL, value unchanged"
	else
		not_ok "net.atcp.$name rejects $((min - 1)) and $((max + 1)) with EINVAL, value unchanged" "$why"
	fi
	atcp_sysctl_set "" "$name" "$orig" >/dev/null
done <<<"$TABLE"

check "net.atcp.keepalive_time rejects 'abc' with EINVAL" try_reject keepalive_time abc

# --- congestion_control ---------------------------------------------------
check "net.atcp.congestion_control accepts reno" try_write congestion_control reno
check "net.atcp.congestion_control accepts cubic" try_write congestion_control cubic
check "net.atcp.congestion_control rejects vegas with EINVAL, value unchanged" \
	try_reject congestion_control vegas
check "net.atcp.congestion_control rejects an empty name with EINVAL" \
	try_reject congestion_control ""
atcp_sysctl_set "" congestion_control cubic >/dev/null

# --- rmem and wmem: three values each, as tcp_rmem / tcp_wmem ----------------
for spec in "rmem 4096 131072 6291456" "wmem 4096 212992 4194304"; do
	read -r name a b c <<<"$spec"
	v="(missing)"
	read -r v <"$D/$name"
	if [ "$v" = "$a	$b	$c" ]; then
		ok "net.atcp.$name present, default $a $b $c"
	else
		not_ok "net.atcp.$name present, default $a $b $c" "read: $v"
	fi
	err=$(atcp_sysctl_set "" "$name" "1 540000 $INT_MAX") && read -r v <"$D/$name"
	if [ -z "$err" ] && [ "$v" = "1	540000	$INT_MAX" ]; then
		ok "net.atcp.$name accepts 1 540000 $INT_MAX"
	else
		not_ok "net.atcp.$name accepts 1 540000 $INT_MAX" "${err:-read back $v}"
	fi
	# As for tcp_rmem (proc_dointvec_minmax on a vector), the values
	# before the one out of range are stored; that one is not.
	read -r _ v1 _ <"$D/$name"
	if err=$(atcp_sysctl_set "" "$name" "4096 0 15728640"); then
		not_ok "net.atcp.$name rejects 4096 0 15728640 with EINVAL, the 0 not stored" "accepted"
	else
		read -r _ v2 _ <"$D/$name"
		if [ "$err" = "Invalid argument" ] && [ "$v2" = "$v1" ]; then
			ok "net.atcp.$name rejects 4096 0 15728640 with EINVAL, the 0 not stored"
		else
			not_ok "net.atcp.$name rejects 4096 0 15728640 with EINVAL, the 0 not stored" \
				"error '$err', middle value $v1 -> $v2"
		fi
	fi
	atcp_sysctl_set "" "$name" "$a $b $c" >/dev/null
done

# --- per namespace ----------------------------------------------------------
ns_setup nolink || bail_out "cannot set up namespaces"

got=$(ns_sh "$NS1" 'echo 100 >keepalive_time; echo reno >congestion_control
	read -r a <keepalive_time; read -r b <congestion_control; echo "$a $b"')
if [ "$got" = "100 reno" ]; then
	ok "a namespace other than init_net can change its values"
else
	not_ok "a namespace other than init_net can change its values" "ns1 read back: $got"
fi
got=$(ns_sh "$NS2" 'read -r a <keepalive_time; read -r b <congestion_control; echo "$a $b"')
if [ "$got" = "7200 cubic" ]; then
	ok "a change in ns1 does not show in ns2"
else
	not_ok "a change in ns1 does not show in ns2" "ns2: $got"
fi
got=$(ns_sh "$NS2" 'read -r a <keepalive_time
	{ echo 40000 >keepalive_time; } 2>/dev/null && r=accepted || r=rejected
	read -r b <keepalive_time; echo "$r $a $b"')
read -r r a b <<<"$got"
if [ "$r" = rejected ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
	ok "range checks apply in other namespaces too (40000 rejected in ns2)"
else
	not_ok "range checks apply in other namespaces too (40000 rejected in ns2)" \
		"ns2: write 40000 $r, value before/after: $a/$b"
fi
read -r v0 <$D/keepalive_time
read -r c0 <$D/congestion_control
if [ "$v0" = 7200 ] && [ "$c0" = cubic ]; then
	ok "a change in ns1 does not show in init_net"
else
	not_ok "a change in ns1 does not show in init_net" "init_net: $v0 $c0"
fi

# A new namespace starts from the defaults, whatever init_net has now.
atcp_sysctl_set "" keepalive_time 123 >/dev/null
atcp_sysctl_set "" syn_retries 2 >/dev/null
atcp_sysctl_set "" congestion_control reno >/dev/null
on_exit 'echo 7200 >$D/keepalive_time; echo 6 >$D/syn_retries; echo cubic >$D/congestion_control'
ip netns add atcp-ns3 && on_exit ip netns del atcp-ns3
got=$(ns_sh atcp-ns3 'for n in keepalive_time syn_retries congestion_control msl; do
	read -r v <$n; echo -n "$n=$v "; done')
if [ "$got" = "keepalive_time=7200 syn_retries=6 congestion_control=cubic msl=30 " ]; then
	ok "a new namespace starts from the defaults, not init_net's values"
else
	not_ok "a new namespace starts from the defaults, not init_net's values" \
		"new namespace: $got" "init_net: keepalive_time=123 syn_retries=2 congestion_control=reno"
fi
echo 7200 >$D/keepalive_time
echo 6 >$D/syn_retries
echo cubic >$D/congestion_control

# --- module reload --------------------------------------------------------
atcp_sysctl_set "" fin_timeout 33 >/dev/null
out=$(atcp_unload)
rc=$?
got=$(ns_sh "$NS1" 'echo still there')
if [ $rc = 0 ] && [ ! -e $D ] && [[ "$got" != *"still there"* ]]; then
	ok "unload removes net.atcp in every namespace"
else
	not_ok "unload removes net.atcp in every namespace" "rmmod: $out" "ns1: $got"
fi
out=$(atcp_load)
a="(missing)"
read -r a <$D/fin_timeout
b=$(ns_sh "$NS1" 'read -r v <fin_timeout; read -r w <keepalive_time; echo "$v $w"')
if [ "$a" = 60 ] && [ "$b" = "60 7200" ]; then
	ok "values are back to defaults after a module reload"
else
	not_ok "values are back to defaults after a module reload" \
		"insmod: $out" "init_net fin_timeout=$a; ns1 fin_timeout keepalive_time=$b"
fi
