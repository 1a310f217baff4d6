#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the documentation agrees with the code.  Runs on the host in
# a few seconds (no VM, no kernel build); needs python3, and uses docutils
# (python3-docutils) and groff when they are installed.
#
#   1. The generated part of Documentation/state-diagram.rst is what
#      scripts/gen-state-diagram.py makes from module/state.c
#      (atcp_transitions[]), else the diff; and its hand-written table
#      "Where the code takes each transition" has one row per edge.
#   2. Every sysctl of module/sysctl.c's template (ATCP_INT(name, ...) and
#      ATCP_INTVEC3(name, ...) entries and the other .procname entries,
#      i.e. congestion_control)
#      has a section in Documentation/sysctl.rst and a row in its summary
#      table, and no other knob is documented there.
#   3. The defaults stated there match atcp_net_defaults() (`an->x = 5;`,
#      strscpy(an->x, "name", ...)); a computed default (an expression)
#      must not be documented as a number.
#   4. The ranges stated there match the template's extra1/extra2 (and the
#      names congestion_control accepts: module/cong.c's atcp_cong_all[]).
#   5. A knob documented as "accepted and stored" is not read outside
#      sysctl.c, and one documented as "in effect" is (directly, or through
#      a field its own proc handler publishes with WRITE_ONCE): so the page
#      is updated when a feature lands.
#   6. Documentation/*.rst parse without docutils warnings, and local links
#      in them and in README.md point at files that exist.
#   7. Documentation/atcp.7 formats without groff warnings.
#
# Output: TAP lines on stdout, "ok - docs: ..." or "not ok - docs: ...",
# with "# " diagnostics (diffs, mismatches) after a failing line.  A check
# whose tool is missing prints "ok - ... # SKIP reason".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# After changing module/state.c:
#   scripts/gen-state-diagram.py -o Documentation/state-diagram.rst
# (it keeps the page's hand-written part; update that part's edge table).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
diag() { sed 's/^/# /'; }

# ---- 1. state diagram -------------------------------------------------------
# The generator rewrites the generated part of a copy of the page (the
# hand-written part stays) and checks that the hand-written edge table has
# one row per edge of atcp_transitions[]; the copy must equal the page.
name="docs: state diagram matches module/state.c"
if [ ! -f Documentation/state-diagram.rst ]; then
	not_ok "$name"
	echo "Documentation/state-diagram.rst is missing" | diag
	echo "fix: scripts/gen-state-diagram.py -o Documentation/state-diagram.rst, then write its hand-written part" | diag
else
	cp Documentation/state-diagram.rst "$tmp/state-diagram.rst"
	python3 scripts/gen-state-diagram.py -o "$tmp/state-diagram.rst" 2>"$tmp/gen.err"
	rc=$?
	if [ "$rc" = 2 ]; then
		not_ok "$name"
		diag <"$tmp/gen.err"
	elif diff -u Documentation/state-diagram.rst "$tmp/state-diagram.rst" \
		--label Documentation/state-diagram.rst --label "generated from module/state.c" \
		>"$tmp/state.diff" && [ "$rc" = 0 ]; then
		ok "$name"
		[ -s "$tmp/gen.err" ] && diag <"$tmp/gen.err"
	else
		not_ok "$name"
		diag <"$tmp/state.diff"
		[ -s "$tmp/gen.err" ] && diag <"$tmp/gen.err"
		[ -s "$tmp/state.diff" ] &&
			echo "fix: scripts/gen-state-diagram.py -o Documentation/state-diagram.rst" | diag
		[ "$rc" = 1 ] &&
			echo "fix: give each edge of atcp_transitions[] one row in the page's hand-written table" | diag
	fi
fi

# ---- 2.-5. sysctls --------------------------------------------------------------
python3 - module/sysctl.c Documentation/sysctl.rst module <<'EOF' || failed=1
import glob
import os
import re
import sys

sysctl_c, sysctl_rst, moddir = sys.argv[1:4]
INT_MAX = 2**31 - 1
failed = False


def result(ok, name, msgs=()):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    for m in msgs:
        print("# " + m)
    if not ok:
        failed = True


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def block(text, start_re):
    """Body between the braces following the first match of start_re."""
    m = re.search(start_re, text)
    if not m:
        return None
    i = text.index("{", m.start())
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None


# ---- the code -------------------------------------------------------------
try:
    code = strip_comments(open(sysctl_c, encoding="utf-8").read())
    doc = open(sysctl_rst, encoding="utf-8").read().splitlines()
except OSError as e:
    result(False, "docs: sysctl reference readable", [str(e)])
    sys.exit(1)

consts = {"INT_MAX": INT_MAX, "SYSCTL_ZERO": 0, "SYSCTL_ONE": 1,
          "SYSCTL_TWO": 2, "SYSCTL_THREE": 3, "SYSCTL_FOUR": 4,
          "SYSCTL_ONE_HUNDRED": 100, "SYSCTL_ONE_THOUSAND": 1000,
          "SYSCTL_INT_MAX": INT_MAX}
for m in re.finditer(r"\bstatic\s+(?:const\s+)?(?:unsigned\s+)?int\s+(\w+)"
                     r"\s*(?:=\s*([^;]+))?;", code):
    val = (m.group(2) or "0").strip()
    try:
        consts[m.group(1)] = int(val, 0)
    except ValueError:
        if val in consts:
            consts[m.group(1)] = consts[val]


def bound(tok):
    tok = tok.strip().lstrip("&").strip()
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    return consts.get(tok)


template = block(code, r"atcp_sysctl_template\s*\[\s*\]\s*=")
knobs = {}          # name -> (lo, hi) or ("names", [...]) or None
order = []
if template is None:
    result(False, "docs: sysctl template found in module/sysctl.c",
           ["no atcp_sysctl_template[] initializer"])
    sys.exit(1)
for m in re.finditer(r"ATCP_INT(?:VEC3)?\(\s*(\w+)\s*,\s*([^,]+?)\s*,"
                     r"\s*([^)]+?)\s*\)", template):
    knobs[m.group(1)] = (bound(m.group(2)), bound(m.group(3)))
    order.append(m.group(1))
# congestion_control accepts the .name of every algorithm listed in
# cong.c's atcp_cong_all[] (what atcp_cong_find() searches).
ca_names = []
cong = strip_comments(open(os.path.join(moddir, "cong.c"),
                           encoding="utf-8").read())
ca = block(cong, r"atcp_cong_all\s*\[\s*\]\s*=")
for sym in re.findall(r"&\s*(\w+)", ca or ""):
    ops = block(cong, r"struct\s+atcp_cong_ops\s+" + sym + r"\s*=")
    m = re.search(r'\.name\s*=\s*"([^"]*)"', ops or "")
    if m:
        ca_names.append(m.group(1))
for m in re.finditer(r'\.procname\s*=\s*"(\w+)"', template):
    name = m.group(1)
    knobs[name] = ("names", ca_names) if name == "congestion_control" \
        else None
    order.append(name)

defaults = {}       # name -> int, str, or ("computed", expr)
body = block(code, r"\bvoid\s+atcp_net_defaults\s*\(")
for m in re.finditer(r"\ban->(\w+)\s*=\s*([^;]+);", body or ""):
    v = " ".join(m.group(2).split())
    try:
        defaults[m.group(1)] = int(v, 0)
    except ValueError:
        defaults[m.group(1)] = ("computed", v)
for m in re.finditer(r'strscpy\(\s*an->(\w+)\s*,\s*"([^"]*)"', body or ""):
    defaults[m.group(1)] = m.group(2)
# A vector (ATCP_INTVEC3): an->x[0] = a; an->x[1] = b; ... documented as
# "a b c".
vec = {}
for m in re.finditer(r"\ban->(\w+)\[(\d+)\]\s*=\s*(\d+)\s*;", body or ""):
    vec.setdefault(m.group(1), {})[int(m.group(2))] = m.group(3)
for name, vals in vec.items():
    defaults[name] = " ".join(vals[i] for i in sorted(vals))

# A knob with its own handler may publish what it parsed to other fields
# (congestion_control -> cc_default): reading those counts as using it.
published = {}      # field -> knob
for m in re.finditer(r'\.procname\s*=\s*"(\w+)"[^}]*?\.proc_handler\s*=\s*'
                     r'(\w+)', template):
    fn = block(code, r"\b" + m.group(2) + r"\s*\([^;{]*\)\s*(?=\{)")
    for f in re.findall(r"WRITE_ONCE\(\s*an->(\w+)", fn or ""):
        published[f] = m.group(1)

uses = {}
for path in sorted(glob.glob(os.path.join(moddir, "*.[ch]"))):
    if os.path.basename(path) == "sysctl.c":
        continue
    text = strip_comments(open(path, encoding="utf-8").read())
    for name in knobs:
        if re.search(r"(?:\ban|atcp_pernet\([^;]*?\))\s*->\s*" + name + r"\b",
                     text):
            uses.setdefault(name, []).append(os.path.basename(path))
    for field, name in published.items():
        if re.search(r"(?:\ban|atcp_pernet\([^;]*?\))\s*->\s*" + field +
                     r"\b", text):
            uses.setdefault(name, []).append(os.path.basename(path))

# ---- the page ---------------------------------------------------------------
adorn = re.compile(r"^([=\-~^\"'`#*+.:])\1{2,}\s*$")
sections = []       # (title, first line, last line)
for i in range(len(doc) - 1):
    if (doc[i].strip() and not adorn.match(doc[i]) and adorn.match(doc[i + 1])
            and len(doc[i + 1].rstrip()) >= len(doc[i].rstrip())):
        sections.append([doc[i].strip(), i + 2, len(doc)])
for k in range(len(sections) - 1):
    sections[k][2] = sections[k + 1][1] - 2

documented = {}     # name -> {field: value}
summary = {}        # name -> [cells]
for title, a, b in sections:
    lines = doc[a:b]
    if title == "Summary":
        row = None
        for ln in lines:
            m = re.match(r"^\s*\*\s+-\s*(.*)$", ln)
            if m:
                row = [m.group(1).strip()]
                summary_rows = summary.setdefault("__rows__", [])
                summary_rows.append(row)
                continue
            m = re.match(r"^\s+-\s*(.*)$", ln)
            if m and row is not None:
                row.append(m.group(1).strip())
        continue
    fields = {}
    for ln in lines:
        m = re.match(r"^:(\w+):\s*(.*)$", ln)
        if m:
            fields[m.group(1)] = m.group(2)
    if "Default" not in fields:
        continue
    name = title.replace("`", "").strip()
    name = name[len("net.atcp."):] if name.startswith("net.atcp.") else name
    documented[name] = fields
rows = summary.pop("__rows__", [])
for row in rows[1:]:                        # first row: header
    summary[row[0].replace("`", "")] = row


def first_token(s):
    m = re.search(r"``([^`]+)``", s)
    return (m.group(1) if m else s.split()[0] if s.split() else "").strip()


def as_value(tok):
    tok = tok.strip()
    if tok == "INT_MAX":
        return INT_MAX
    try:
        return int(tok, 0)
    except ValueError:
        return tok


def range_of(s):
    s = s.replace("INT_MAX", str(INT_MAX))
    nums = [int(x) for x in re.findall(r"-?\d+", s)]
    return tuple(nums[:2])


# ---- 2. coverage --------------------------------------------------------------
msgs = []
for name in order:
    if name not in documented:
        msgs.append("net.atcp.%s has no section (with a :Default: field) in %s"
                    % (name, sysctl_rst))
    if name not in summary:
        msgs.append("net.atcp.%s has no row in the Summary table of %s"
                    % (name, sysctl_rst))
for name in sorted(set(documented) | set(summary)):
    if name not in knobs:
        msgs.append("%s documents net.atcp.%s, which module/sysctl.c does "
                    "not register" % (sysctl_rst, name))
result(not msgs, "docs: every net.atcp sysctl is documented in "
       "Documentation/sysctl.rst", msgs)

# ---- 3. defaults ------------------------------------------------------------------
msgs = []
for name in order:
    if name not in defaults:
        msgs.append("net.atcp.%s: no default set in atcp_net_defaults()" % name)
        continue
    want = defaults[name]
    for where, text in (("section", documented.get(name, {}).get("Default")),
                        ("summary", (summary.get(name) or [None, None])[1])):
        if text is None:
            continue
        got = as_value(first_token(text))
        if isinstance(want, tuple):
            if isinstance(got, int):
                msgs.append("net.atcp.%s (%s): documented default %d, but the "
                            "code computes it: %s" % (name, where, got, want[1]))
        elif got != want:
            msgs.append("net.atcp.%s (%s): documented default %r, "
                        "atcp_net_defaults() sets %r" % (name, where, got, want))
result(not msgs, "docs: sysctl defaults in Documentation/sysctl.rst match "
       "atcp_net_defaults()", msgs)

# ---- 4. ranges ----------------------------------------------------------------------
msgs = []
for name in order:
    want = knobs[name]
    for where, text in (("section", documented.get(name, {}).get("Range")),
                        ("summary", (summary.get(name) or [None] * 3)[2])):
        if text is None:
            continue
        if want is None:
            continue
        if want[0] == "names":
            got = set(re.findall(r"[a-z][a-z0-9_]*", text.replace("`", "")))
            if got != set(want[1]):
                msgs.append("net.atcp.%s (%s): documented values %s, the code "
                            "accepts %s" % (name, where, sorted(got),
                                            sorted(want[1])))
            continue
        if None in want:
            msgs.append("net.atcp.%s: cannot resolve the range in %s"
                        % (name, sysctl_c))
            continue
        got = range_of(text)
        if got != want:
            msgs.append("net.atcp.%s (%s): documented range %s, the code has "
                        "%d .. %d" % (name, where, " .. ".join(map(str, got))
                                      or "?", want[0], want[1]))
result(not msgs, "docs: sysctl ranges in Documentation/sysctl.rst match "
       "module/sysctl.c", msgs)

# ---- 5. implementation status ----------------------------------------------------
msgs = []
for name in order:
    if name not in documented:
        continue                # reported by the coverage check
    status = documented[name].get("Status", "")
    row = summary.get(name) or []
    used = name in uses
    stored = "accepted and stored" in status
    if stored and used:
        msgs.append("net.atcp.%s is documented as \"accepted and stored\" but "
                    "%s reads it: update its :Status: and summary row"
                    % (name, ", ".join(uses[name])))
    if not stored and not used:
        msgs.append("net.atcp.%s is documented as in effect, but nothing in "
                    "module/ outside sysctl.c reads it" % name)
    if len(row) >= 5 and (("stored" in row[4]) != stored):
        msgs.append("net.atcp.%s: summary status %r disagrees with :Status: %r"
                    % (name, row[4], status))
result(not msgs, "docs: sysctl implementation status matches the code in "
       "module/", msgs)
sys.exit(1 if failed else 0)
EOF

# ---- 6. RST and links -------------------------------------------------------------
name="docs: Documentation/*.rst parse cleanly and local links resolve"
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import docutils' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	ok "$name # SKIP docutils not installed (apt-get install python3-docutils)"
else
	rc=0
	"$py" - Documentation/*.rst README.md >"$tmp/rst.out" 2>&1 <<'EOF' || rc=$?
import io
import os
import re
import sys

import docutils.core

bad = False
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        bad = True
        print("%s: %s" % (path, e.strerror))
        continue
    base = os.path.dirname(path)
    if path.endswith(".rst"):
        err = io.StringIO()
        docutils.core.publish_doctree(
            text, source_path=path,
            settings_overrides={"report_level": 2, "halt_level": 5,
                                "warning_stream": err,
                                "syntax_highlight": "none",
                                "file_insertion_enabled": False})
        if err.getvalue():
            bad = True
            sys.stdout.write(err.getvalue())
        links = re.findall(r"`[^`<]*<([^>`]+)>`_{1,2}", text)
    else:
        links = re.findall(r"\]\(([^)\s]+)\)", text)
    for link in links:
        if re.match(r"^[a-z]+:", link) or link.startswith("#"):
            continue
        target = os.path.normpath(os.path.join(base, link.split("#")[0]))
        if not os.path.exists(target):
            bad = True
            print("%s: link to %s: no such file" % (path, link))
sys.exit(1 if bad else 0)
EOF
	if [ "$rc" = 0 ]; then
		ok "$name"
	else
		not_ok "$name"
		diag <"$tmp/rst.out"
	fi
fi

# ---- 7. man page ------------------------------------------------------------------
name="docs: Documentation/atcp.7 formats without warnings"
if ! command -v groff >/dev/null; then
	ok "$name # SKIP groff not installed (apt-get install groff-base)"
elif [ ! -f Documentation/atcp.7 ]; then
	not_ok "$name"
	echo "Documentation/atcp.7 is missing" | diag
elif groff -t -man -Tutf8 -ww -z Documentation/atcp.7 >"$tmp/man.out" 2>&1 &&
	[ ! -s "$tmp/man.out" ]; then
	ok "$name"
else
	not_ok "$name"
	diag <"$tmp/man.out"
fi

exit $failed
