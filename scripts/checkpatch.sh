#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's scripts/checkpatch.pl --strict over every C source and
# header of ATCP: module/, kunit/, include/ (kernel style, nothing ignored
# beyond what is listed below) and tools/ (userspace C, a few kernel-only
# rules ignored).  Zero errors, warnings and checks are required.
#
# usage: scripts/checkpatch.sh [file...]     (default: every .c/.h)
#        make checkpatch
#
# checkpatch.pl comes from the 6.12 test kernel's source tree
# (scripts/build-kernel.sh unpacks it under $ATCP_CACHE/src-6.12-*), or from
# $ATCP_CHECKPATCH if set.  It needs no kernel build, only the source tree.
#
# Prints one line per file ("ok" or "FAIL" with counts), the messages of
# failing files as file:line: TYPE: message, and a summary; exits 1 if any
# file has an error, warning or check.
#
# Environment: ATCP_CACHE (default ~/.cache/atcp), ATCP_CHECKPATCH,
# ATCP_CHECKPATCH_VERBOSE=1 (checkpatch's full output with source context).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${ATCP_CACHE:-$HOME/.cache/atcp}

log() { echo "checkpatch: $*" >&2; }

# --- rules ignored, each with its reason --------------------------------------
#
# Everywhere:
#  FILE_PATH_CHANGES  patch mode only ("does MAINTAINERS need updating?");
#                     an out-of-tree module has no MAINTAINERS file.
ignore_all=FILE_PATH_CHANGES
#
# module/compat.h only (the one place allowed to test kernel versions):
#  LINUX_VERSION_CODE  checkpatch says code should target the version it is
#                      merged into; an out-of-tree module built against 6.1,
#                      6.12 and mainline must compare versions, and does so
#                      only in compat.h.
#  CONSTANT_COMPARISON checkpatch takes KERNEL_VERSION(a, b, c) for a
#                      function call and wants it on the left of
#                      "LINUX_VERSION_CODE >= KERNEL_VERSION(...)", the
#                      idiom every out-of-tree module uses; both sides are
#                      constants.
#  MACRO_ARG_UNUSED    a shim that compiles a feature away on one kernel
#                      (EXPORT_SYMBOL_IF_KUNIT(sym) without KUnit on 6.1)
#                      must drop its argument.
ignore_compat=LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_ARG_UNUSED

# module/trace.h only: TRACE_EVENT() bodies are laid out as in the kernel's
# include/trace/events/*.h (TP_STRUCT__entry( on its own line, arguments
# aligned under the macro, not the parenthesis), which --strict flags there
# too.
ignore_trace=OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT
#
# tools/ only (userspace programs: no kernel headers, types or helpers):
#  PREFER_KERNEL_TYPES            u32/s64 do not exist in userspace; the
#                                 C99 <stdint.h> types are right there.
#  PREFER_DEFINED_ATTRIBUTE_MACRO __packed/__printf/__aligned are kernel
#                                 macros from <linux/compiler_attributes.h>.
#  STRCPY, STRNCPY, STRLCPY       strscpy() is kernel-only.
#  SSCANF_TO_KSTRTO               kstrto*() is kernel-only.
#  AVOID_EXTERNS                  `extern char **environ;` and friends are
#                                 how libc exposes some objects.
ignore_tools=PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,STRCPY,STRNCPY,STRLCPY,SSCANF_TO_KSTRTO,AVOID_EXTERNS

# --- find checkpatch.pl -----------------------------------------------------------
find_checkpatch() {
	local c
	if [ -n "${ATCP_CHECKPATCH:-}" ]; then echo "$ATCP_CHECKPATCH"; return; fi
	for c in "$cache"/kernel-6.12-*/source-tree/scripts/checkpatch.pl \
		 "$cache"/src-6.12-*/scripts/checkpatch.pl; do
		[ -f "$c" ] && { echo "$c"; return; }
	done
	return 1
}

checkpatch=$(find_checkpatch) && [ -f "$checkpatch" ] || {
	log "no checkpatch.pl: unpack the 6.12 source (scripts/build-kernel.sh) or set ATCP_CHECKPATCH"
	exit 2
}

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(cd "$repo" && find module kunit include tools \
		-type f \( -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' ! -path '*/.*' 2>/dev/null | sort)
fi
[ ${#files[@]} -gt 0 ] || { log "no source files found"; exit 2; }

bad=0 nerr=0 nwarn=0 nchk=0
for f in "${files[@]}"; do
	f=${f#"$repo"/}
	ignore=$ignore_all
	case $f in
	module/compat.h) ignore=$ignore,$ignore_compat ;;
	module/trace.h) ignore=$ignore,$ignore_trace ;;
	tools/*) ignore=$ignore,$ignore_tools ;;
	esac
	out=$(cd "$repo" && perl "$checkpatch" --strict --no-tree --file \
		--show-types --color=never --no-summary --terse \
		--ignore "$ignore" "$f" 2>&1)
	e=$(grep -c ': ERROR:' <<<"$out")
	w=$(grep -c ': WARNING:' <<<"$out")
	c=$(grep -c ': CHECK:' <<<"$out")
	if [ $((e + w + c)) = 0 ] && [ -z "$(grep -v '^$' <<<"$out")" ]; then
		printf 'ok    %s\n' "$f"
		continue
	fi
	bad=$((bad + 1)) nerr=$((nerr + e)) nwarn=$((nwarn + w)) nchk=$((nchk + c))
	printf 'FAIL  %s: %d errors, %d warnings, %d checks\n' "$f" "$e" "$w" "$c"
	if [ "${ATCP_CHECKPATCH_VERBOSE:-0}" = 1 ]; then
		(cd "$repo" && perl "$checkpatch" --strict --no-tree --file \
			--show-types --color=never --ignore "$ignore" "$f") | sed 's/^/      /'
	else
		sed '/^$/d; s/^/      /' <<<"$out"
	fi
done

echo "checkpatch: ${#files[@]} files, $bad failing ($nerr errors, $nwarn warnings, $nchk checks)"
[ "$bad" = 0 ]
