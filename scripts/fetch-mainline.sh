#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch and prepare a current mainline kernel tree for compat builds.
#
# Debian unstable carries linux-source-X.Y for the current mainline series.
# This script fetches it with `apt-get download` through a PRIVATE apt
# configuration (its own sources list, lists and cache directories under
# $ATCP_CACHE); the machine's own apt configuration is read, never written.
# The mirror is not named anywhere in the repository: it is the URI that the
# machine's apt sources already use for the Debian main archive, with suite
# "unstable" and component "main".
#
# The tree is configured from tinyconfig plus the options ATCP needs
# (networking, IPv6, netns, inet_diag, sysctl, procfs, KUnit, tracepoints),
# and vmlinux is built once so that Module.symvers exists: an external
# module that uses a symbol mainline no longer exports then fails at modpost
# ("undefined!") instead of passing silently.  Cached outside the repository
# keyed by package version and a hash of the option list.
#
# Prints the build (O=) directory on the last line of stdout.
#
# Environment:
#   ATCP_CACHE            cache root (default ~/.cache/atcp)
#   ATCP_MAINLINE_REFRESH days before the unstable package list is refreshed
#                         (default 7; 0 = always ask the mirror)
#   ATCP_OFFLINE=1        never contact the mirror; use the newest cached tree
#   ATCP_DEBIAN_MIRROR    override the mirror URI derived from apt's sources
set -euo pipefail

cache=${ATCP_CACHE:-$HOME/.cache/atcp}
refresh_days=${ATCP_MAINLINE_REFRESH:-7}
aptdir=$cache/apt-unstable
jobs=$(nproc)

log() { echo "fetch-mainline: $*" >&2; }
die() { log "$*"; exit 1; }

# Options that must end up =y on top of tinyconfig.
options="
CONFIG_64BIT
CONFIG_SMP
CONFIG_PRINTK
CONFIG_BUG
CONFIG_MULTIUSER
CONFIG_MODULES
CONFIG_MODULE_UNLOAD
CONFIG_NET
CONFIG_INET
CONFIG_IPV6
CONFIG_SYN_COOKIES
CONFIG_INET_DIAG
CONFIG_INET_TCP_DIAG
CONFIG_NAMESPACES
CONFIG_NET_NS
CONFIG_PROC_FS
CONFIG_SYSCTL
CONFIG_PROC_SYSCTL
CONFIG_KUNIT
CONFIG_FTRACE
CONFIG_ENABLE_DEFAULT_TRACERS
"

# --- the Debian main archive URI, from the machine's own apt sources -------
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# deb822 (*.sources): first URI of an enabled "deb" stanza whose suites
# include the release codename and whose components include main.
uri_from_deb822() {
	awk -v want="$codename" '
	function flush() {
		if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
		    (" " suites " ") ~ (" " want " ") &&
		    (" " comps " ") ~ / main / && uris != "" && !found) {
			split(uris, u, " "); print u[1]; found = 1
		}
		types = uris = suites = comps = ""; enabled = "yes"
	}
	BEGIN { enabled = "yes" }
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	{
		key = tolower($1); sub(/:$/, "", key)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "components") comps = val
		else if (key == "enabled") enabled = tolower(val)
	}
	END { flush() }' "$1"
}

# One-line format (*.list): deb [opts] URI suite component...
uri_from_list() {
	awk -v want="$codename" '
	/^[ \t]*deb[ \t]/ {
		i = 2
		if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
		uri = $i; suite = $(i + 1)
		for (j = i + 2; j <= NF; j++)
			if ($j == "main" && suite == want) { print uri; exit }
	}' "$1"
}

debian_mirror() {
	local f uri
	if [ -n "${ATCP_DEBIAN_MIRROR:-}" ]; then
		echo "$ATCP_DEBIAN_MIRROR"
		return
	fi
	[ -n "$codename" ] || return 1
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(uri_from_list "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(uri_from_deb822 "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	return 1
}

# --- private apt -----------------------------------------------------------
apt_opts=(
	-c "$aptdir/apt.conf"
	-o "Dir::Etc::SourceList=$aptdir/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
)

setup_apt() {
	local mirror=$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	# Only our own sources list, lists and caches; and none of the
	# machine's update hooks (packagekit, appstream) for this private run.
	cat >"$aptdir/apt.conf" <<-EOF
	#clear APT::Update::Post-Invoke-Success;
	#clear APT::Update::Post-Invoke;
	APT::Sandbox::User "root";
	Acquire::Languages "none";
	Acquire::IndexTargets::deb::DEP-11 "";
	EOF
	if [ -f "$keyring" ]; then
		echo "deb [signed-by=$keyring] $mirror unstable main" >"$aptdir/sources.list.new"
	else
		echo "deb $mirror unstable main" >"$aptdir/sources.list.new"
	fi
	mv "$aptdir/sources.list.new" "$aptdir/sources.list"
}

apt_update() {
	log "refreshing the unstable package list (private apt state in $aptdir)"
	apt-get "${apt_opts[@]}" -qq update >"$aptdir/update.log" 2>&1 || {
		cat "$aptdir/update.log" >&2
		return 1
	}
	touch "$aptdir/.updated"
}

# Highest linux-source-X.Y in the private list: "name version".
latest_source_pkg() {
	local pkg
	pkg=$(apt-cache "${apt_opts[@]}" pkgnames linux-source- 2>/dev/null |
		grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -1)
	[ -n "$pkg" ] || return 1
	echo "$pkg $(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" |
		awk '/^Version:/ { print $2; exit }')"
}

newest_cached() {
	local d
	for d in "$cache"/kernel-mainline-*; do
		if [ -f "$d/.atcp-built" ]; then echo "$d"; fi
	done | sort -V | tail -1
}

# --- decide which version we want -------------------------------------------
mkdir -p "$cache"
exec 9>"$cache/.mainline.lock"
flock 9

# Cache key: the package version (below) and the configuration recipe.
# Bump recipe when the configure/build steps change in a way that matters.
recipe=1
hash=$(echo "$recipe $options" | sha256sum | cut -c1-12)
need_update=1
if [ "${ATCP_OFFLINE:-0}" = 1 ]; then
	need_update=0
elif [ -f "$aptdir/.updated" ] && [ "$refresh_days" -gt 0 ] &&
     [ -n "$(find "$aptdir/.updated" -mtime -"$refresh_days")" ]; then
	need_update=0
fi

pkg= ver=
if [ "$need_update" = 1 ]; then
	if mirror=$(debian_mirror); then
		setup_apt "$mirror"
		if apt_update && read -r pkg ver < <(latest_source_pkg); then
			:
		else
			log "could not read the unstable package list"
			pkg= ver=
		fi
	else
		log "no Debian main archive found in /etc/apt/sources.list{,.d} (set ATCP_DEBIAN_MIRROR)"
	fi
elif [ -f "$aptdir/sources.list" ] && [ -d "$aptdir/lists" ]; then
	read -r pkg ver < <(latest_source_pkg) || pkg= ver=
fi

if [ -z "$pkg" ]; then
	out=$(newest_cached)
	[ -n "$out" ] || die "no mainline tree cached and none could be fetched"
	log "using cached $out (mirror not consulted)"
	echo "$out"
	exit 0
fi

paths() {
	series=${pkg#linux-source-}
	safever=${ver//:/_}
	src=$cache/src-mainline-$series-$safever
	out=$cache/kernel-mainline-$series-$safever-compat-$hash
}
paths

if [ -f "$out/.atcp-built" ]; then
	log "cached: $out ($pkg $ver)"
	echo "$out"
	exit 0
fi

# Something must be fetched or built: make sure the version is current
# (unstable drops old versions quickly) unless the list was just updated.
if [ "$need_update" = 0 ] && [ "${ATCP_OFFLINE:-0}" != 1 ]; then
	if apt_update && read -r pkg ver < <(latest_source_pkg); then
		paths
		if [ -f "$out/.atcp-built" ]; then
			log "cached: $out ($pkg $ver)"
			echo "$out"
			exit 0
		fi
	else
		die "could not refresh the unstable package list"
	fi
fi

# --- fetch and unpack ---------------------------------------------------------
if [ ! -f "$src/.atcp-unpacked" ]; then
	t0=$(date +%s)
	dl=$aptdir/download
	rm -rf "$dl"
	mkdir -p "$dl"
	log "downloading $pkg $ver"
	(cd "$dl" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver") ||
		die "apt-get download $pkg=$ver failed"
	dpkg-deb -x "$dl"/"$pkg"_*.deb "$dl/root"
	tarball=$(ls "$dl"/root/usr/src/linux-source-"$series".tar.* 2>/dev/null | head -1)
	[ -n "$tarball" ] || die "$pkg has no /usr/src/linux-source-$series.tar.*"
	log "unpacking $(basename "$tarball")"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
	touch "$src.tmp/.atcp-unpacked"
	mv "$src.tmp" "$src"
	rm -rf "$dl"
	log "fetched and unpacked in $(( $(date +%s) - t0 )) s"
fi

# --- configure and build --------------------------------------------------------
t0=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
log "configuring $out"
kmake() { make -s -C "$src" O="$out" ARCH=x86_64 "$@"; }
kmake tinyconfig >/dev/null
for opt in $options; do
	"$src/scripts/config" --file "$out/.config" --enable "$opt"
done
kmake olddefconfig >/dev/null
missing=0
for opt in $options; do
	grep -qx "$opt=y" "$out/.config" || { log "option not applied: $opt"; missing=1; }
done
[ "$missing" = 0 ] || die "config does not apply cleanly to $pkg $ver"

log "modules_prepare + vmlinux (for Module.symvers)"
kmake -j"$jobs" modules_prepare >"$out/build.log" 2>&1 &&
kmake -j"$jobs" vmlinux modules >>"$out/build.log" 2>&1 || {
	tail -50 "$out/build.log" >&2
	die "building $pkg $ver failed (log: $out/build.log)"
}
[ -f "$out/Module.symvers" ] || die "no Module.symvers in $out"
echo "$pkg $ver" >"$out/.atcp-package"
ln -sfn "$src" "$out/source-tree"
touch "$out/.atcp-built"
log "built in $(( $(date +%s) - t0 )) s"
echo "$out"
