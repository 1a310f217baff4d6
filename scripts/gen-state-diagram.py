#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the tables of Documentation/state-diagram.rst from module/state.c.

The source of truth is the atcp_transitions[] table in module/state.c:

    /* event for A; event for B; ... */
    [TCP_FROM]    = TCPF_A | TCPF_B |
                    TCPF_C,

Each entry lists the states TCP_FROM may move to.  The comment above an
entry names the events, separated by ';', in the order the target states
are written.  When an entry has one target more than events and that
target is TCP_CLOSE, the extra edge is the generic abort that the table's
own comment describes (RST, timeout or user ABORT, possible in every
state).  An entry whose events cannot be paired with its targets that way
keeps its events in the table but gets unlabelled edges, and a warning is
printed on stderr.

State names come from atcp_state_names[] in the same file.

The page has two parts.  The generated part, between the comments
".. BEGIN GENERATED" and ".. END GENERATED", holds a table (from, to,
event), a Graphviz dot block and an ASCII summary.  Everything else is
written by hand and kept as it is: the introduction, and the section
"Where the code takes each transition", a list-table whose first two
columns are the two states of an edge and whose other columns say what
the code does.  With -o, an existing page keeps its hand-written part
and only the generated part is replaced; a new page gets a skeleton.
scripts/check-docs.sh regenerates the page and fails when the committed
file differs.

The hand-written table must have exactly one row per edge of
atcp_transitions[]: an edge without a row, a row for an edge that is not
in the table, or a repeated row is an error (exit status 1, the page is
still written), so the prose follows state.c when the table changes.

Usage:
    scripts/gen-state-diagram.py -o Documentation/state-diagram.rst
    scripts/gen-state-diagram.py                 # the same page, to stdout
    scripts/gen-state-diagram.py --state-c path/to/state.c --page FILE

Exit status: 0 on success, 1 when the hand-written edge table does not
match atcp_transitions[], 2 when state.c or the page cannot be parsed.
"""

import argparse
import os
import re
import sys

ABORT_EVENT = "abort: RST, timeout or user ABORT"


class ParseError(Exception):
    """state.c does not have the expected shape."""


def strip_comments(text):
    """Remove C comments, keeping line structure (for error positions)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def find_initializer(text, name):
    """Return (start, end) of the body between the braces of `name[...] = {`."""
    code = strip_comments(text)
    m = re.search(r"\b" + re.escape(name) + r"\s*\[[^\]]*\]\s*=\s*\{", code)
    if not m:
        raise ParseError("no initializer for %s[]" % name)
    start = m.end()
    depth = 1
    i = start
    while i < len(code):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return start, i
        i += 1
    raise ParseError("unterminated initializer for %s[]" % name)


def parse_state_names(text):
    """Map TCP_* constant -> printable name, in the order of the source."""
    start, end = find_initializer(text, "atcp_state_names")
    body = strip_comments(text)[start:end]
    names = {}
    for m in re.finditer(r"\[\s*(TCP_\w+)\s*\]\s*=\s*\"([^\"]*)\"", body):
        names[m.group(1)] = m.group(2)
    if not names:
        raise ParseError("atcp_state_names[] has no entries")
    return names


def comment_text(raw):
    """Text of a /* */ or // comment, whitespace and leading '*' folded."""
    if raw.startswith("/*"):
        raw = raw[2:-2]
    else:
        raw = raw[2:]
    lines = [re.sub(r"^\s*\*?\s?", "", ln) for ln in raw.split("\n")]
    return " ".join(" ".join(lines).split())


def parse_target(tok, where):
    """One operand of a transition set -> TCP_* name."""
    tok = tok.strip()
    m = (re.fullmatch(r"TCPF_(\w+)", tok) or
         re.fullmatch(r"\(?\s*1U?\s*<<\s*TCP_(\w+)\s*\)?", tok) or
         re.fullmatch(r"BIT\(\s*TCP_(\w+)\s*\)", tok))
    if not m:
        raise ParseError("%s: cannot read target %r" % (where, tok))
    return "TCP_" + m.group(1)


def parse_transitions(text):
    """Entries of atcp_transitions[]: list of (from, [targets], comment)."""
    start, end = find_initializer(text, "atcp_transitions")
    body = text[start:end]
    line0 = text[:start].count("\n") + 1
    entries = []
    pending = []            # comments seen since the previous entry
    last_entry_end_line = None
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c.isspace() or c == ",":
            i += 1
            continue
        if body.startswith("/*", i):
            j = body.find("*/", i + 2)
            if j < 0:
                raise ParseError("unterminated comment in atcp_transitions[]")
            raw = body[i:j + 2]
            line = body[:i].count("\n")
            # A comment on the line where an entry ended belongs to it.
            if (entries and last_entry_end_line == line and
                    not entries[-1][2]):
                entries[-1] = (entries[-1][0], entries[-1][1],
                               comment_text(raw))
            else:
                pending.append(comment_text(raw))
            i = j + 2
            continue
        if body.startswith("//", i):
            j = body.find("\n", i)
            j = n if j < 0 else j
            pending.append(comment_text(body[i:j]))
            i = j
            continue
        if c == "[":
            m = re.compile(r"\[\s*(TCP_\w+)\s*\]\s*=\s*").match(body, i)
            if not m:
                raise ParseError("line %d: cannot read entry"
                                 % (line0 + body[:i].count("\n")))
            frm = m.group(1)
            j = m.end()
            # The value runs to the next ',' or the end, comments aside.
            expr = []
            while j < n and body[j] != ",":
                if body.startswith("/*", j):
                    k = body.find("*/", j + 2)
                    pending.append(comment_text(body[j:k + 2]))
                    j = k + 2
                    continue
                expr.append(body[j])
                j += 1
            where = "atcp_transitions[%s]" % frm
            value = " ".join("".join(expr).split())
            if value in ("0", ""):
                targets = []
            else:
                targets = [parse_target(t, where) for t in value.split("|")]
            entries.append((frm, targets, " ".join(pending)))
            pending = []
            last_entry_end_line = body[:j].count("\n")
            i = j
            continue
        raise ParseError("line %d: unexpected %r in atcp_transitions[]"
                         % (line0 + body[:i].count("\n"), c))
    if not entries:
        raise ParseError("atcp_transitions[] has no entries")
    return entries


def pair_events(frm, targets, comment, warn):
    """Label each target with its event; returns [(to, event or None)]."""
    events = [e.strip() for e in comment.split(";") if e.strip()]
    if len(events) == len(targets):
        return list(zip(targets, events))
    if (len(targets) == len(events) + 1 and targets[-1] == "TCP_CLOSE"):
        return list(zip(targets, events + [ABORT_EVENT]))
    warn("%s: %d events for %d targets; edges left unlabelled"
         % (frm, len(events), len(targets)))
    return [(t, None) for t in targets]


def rst_escape(s):
    """Escape what RST would read as markup inside table cells."""
    s = re.sub(r"([\\*`|])", r"\\\1", s)
    return re.sub(r"_(?!\w)", r"\\_", s)


BEGIN = ".. BEGIN GENERATED"
END = ".. END GENERATED"
EDGE_SECTION = "Where the code takes each transition"


def render_generated(entries, names, source):
    """The generated part of the page, markers included, as a string."""
    def name(state):
        return names.get(state, state)

    out = []
    w = out.append
    w("%s by scripts/gen-state-diagram.py from %s" % (BEGIN, source))
    w("   (atcp_transitions[]).  Do not edit by hand: regenerate with")
    w("   scripts/gen-state-diagram.py -o Documentation/state-diagram.rst")
    w("")
    w("Legal transitions")
    w("=================")
    w("")
    w("``atcp_set_state()`` is the only function that changes")
    w("``sk->sk_state``, and it checks every change against the table")
    w("``atcp_transitions[]`` in ``%s``. A change that is not in the" % source)
    w("table is a bug in the caller. It triggers a one-time ``WARN`` and")
    w("increments ``BadStateChange`` in ``/proc/net/atcp_stat``. The new")
    w("state is still set, so that teardown can go on.")
    w("")
    w("The table is the whole RFC 9293 diagram, with the abort to CLOSED")
    w("that a RST, a timeout or a user ABORT can cause in any synchronized")
    w("state. It lists what is allowed. Which function takes each edge,")
    w("and which edges the code never takes, is in the section")
    w("`%s`_ below." % EDGE_SECTION)
    w("")
    w("Transitions")
    w("-----------")
    w("")
    w("Events are taken from the comment above each entry. They are")
    w("paired with the targets in the order both are written. A final")
    w("edge to CLOSED that has no event of its own is the generic abort.")
    w("")
    w(".. list-table::")
    w("   :header-rows: 1")
    w("   :widths: 20 20 60")
    w("")
    w("   * - From")
    w("     - To")
    w("     - Event")
    edges = []
    for frm, pairs, comment in entries:
        if not pairs:
            w("   * - %s" % name(frm))
            w("     - (none)")
            w("     - %s" % (rst_escape(comment) or "final state"))
            continue
        for to, ev in pairs:
            edges.append((frm, to, ev))
            w("   * - %s" % name(frm))
            w("     - %s" % name(to))
            w("     - %s" % rst_escape(ev if ev else comment or "-"))
    w("")
    w("Graphviz")
    w("--------")
    w("")
    w("Render with ``dot -Tsvg``.")
    w("")
    w(".. code-block:: dot")
    w("")
    w("   digraph atcp_states {")
    w("       node [shape=box, style=rounded];")
    for frm, to, ev in edges:
        label = (' [label="%s"]' % ev.replace('"', '\\"')) if ev else ""
        w('       "%s" -> "%s"%s;' % (name(frm), name(to), label))
    w("   }")
    w("")
    w("Summary")
    w("-------")
    w("")
    w("::")
    w("")
    width = max(len(name(frm)) for frm, _, _ in entries)
    for frm, pairs, _ in entries:
        tos = ", ".join(name(to) for to, _ in pairs) or "(none)"
        w("   %s -> %s" % (name(frm).ljust(width), tos))
    w("")
    w(END)
    return "\n".join(out) + "\n"


def skeleton(source):
    """A new page: header, title, and the hand-written parts to fill in."""
    return ("\n".join([
        ".. SPDX-License-Identifier: GPL-2.0",
        "",
        ".. The part between BEGIN GENERATED and END GENERATED is generated",
        "   from %s by scripts/gen-state-diagram.py; the rest is" % source,
        "   written by hand and kept when the page is regenerated.",
        "",
        "====================",
        "ATCP state diagram",
        "====================",
        "",
        "@GENERATED@",
        EDGE_SECTION,
        "=" * len(EDGE_SECTION),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - From",
        "     - To",
        "     - Event and function",
        "",
    ]) + "\n")


def splice(page, generated):
    """Replace the generated part of an existing page."""
    lines = page.splitlines(keepends=True)
    begin = [i for i, ln in enumerate(lines) if ln.startswith(BEGIN)]
    end = [i for i, ln in enumerate(lines) if ln.rstrip("\n") == END]
    if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
        raise ParseError("the page needs exactly one '%s' line and one "
                         "'%s' line after it" % (BEGIN, END))
    return ("".join(lines[:begin[0]]) + generated +
            "".join(lines[end[0] + 1:]))


def hand_edges(page):
    """(from, to) names of the rows of the hand-written edge table."""
    lines = page.splitlines()
    start = None
    for i in range(len(lines) - 1):
        if (lines[i].strip() == EDGE_SECTION and
                re.fullmatch(r"=+", lines[i + 1].strip() or "-")):
            start = i + 2
            break
    if start is None:
        raise ParseError("no section '%s'" % EDGE_SECTION)
    rows = []
    row = None
    for ln in lines[start:]:
        if re.match(r"^\S", ln) and not ln.startswith(".."):
            if rows or row:
                break           # next paragraph or section after the table
            continue
        m = re.match(r"^\s*\*\s+-\s*(.*)$", ln)
        if m:
            row = [m.group(1).strip()]
            rows.append(row)
            continue
        m = re.match(r"^\s+-\s*(.*)$", ln)
        if m and row is not None and len(row) < 2:
            row.append(m.group(1).strip())
    pairs = [tuple(c.replace("`", "") for c in r[:2])
             for r in rows[1:] if len(r) >= 2]        # rows[0]: header
    return pairs


def check_hand_edges(page, entries, names, err):
    """Every edge has exactly one hand-written row; returns success."""
    def name(state):
        return names.get(state, state)

    want = [(name(frm), name(to)) for frm, pairs, _ in entries
            for to, _ in pairs]
    got = hand_edges(page)
    ok = True
    for e in want:
        if e not in got:
            err("edge %s -> %s has no row in '%s'" % (e + (EDGE_SECTION,)))
            ok = False
    for e in sorted(set(got)):
        if e not in want:
            err("'%s' has a row for %s -> %s, which atcp_transitions[] "
                "does not allow" % ((EDGE_SECTION,) + e))
            ok = False
        elif got.count(e) > 1:
            err("'%s' has %d rows for %s -> %s"
                % ((EDGE_SECTION, got.count(e)) + e))
            ok = False
    return ok


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(
        description="Generate the ATCP state diagram from module/state.c.")
    ap.add_argument("--state-c", default=os.path.join(repo, "module",
                                                      "state.c"),
                    help="path of state.c (default: module/state.c)")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("--page", help="the page whose hand-written part to keep "
                    "(default: the -o file, else "
                    "Documentation/state-diagram.rst)")
    args = ap.parse_args()

    def warn(msg):
        print("gen-state-diagram: warning: " + msg, file=sys.stderr)

    try:
        with open(args.state_c, encoding="utf-8") as f:
            text = f.read()
        names = parse_state_names(text)
        raw = parse_transitions(text)
    except (OSError, ParseError) as e:
        print("gen-state-diagram: %s: %s" % (args.state_c, e),
              file=sys.stderr)
        return 2

    entries = []
    for frm, targets, comment in raw:
        for st in [frm] + targets:
            if st not in names:
                warn("%s has no name in atcp_state_names[]" % st)
        entries.append((frm, pair_events(frm, targets, comment, warn),
                        comment))

    rel = os.path.relpath(os.path.abspath(args.state_c), repo)
    if rel.startswith(".."):
        rel = args.state_c
    generated = render_generated(entries, names, rel)

    page = None
    src = args.page or args.output or os.path.join(repo, "Documentation",
                                                   "state-diagram.rst")
    if os.path.exists(src):
        with open(src, encoding="utf-8") as f:
            page = f.read()
    try:
        if page is None:
            doc = skeleton(rel).replace("@GENERATED@\n", generated + "\n")
        else:
            doc = splice(page, generated)
        complete = check_hand_edges(doc, entries, names,
                                    lambda m: print("gen-state-diagram: " + m,
                                                    file=sys.stderr))
    except ParseError as e:
        print("gen-state-diagram: %s: %s" % (src, e), file=sys.stderr)
        return 2

    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(doc)
    else:
        sys.stdout.write(doc)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
