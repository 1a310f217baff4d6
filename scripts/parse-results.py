#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one `make check` output directory into a per-test summary.

Usage: scripts/parse-results.py OUTDIR [--kunit-py PATH]

Reads, from OUTDIR (see scripts/check.sh and selftests/run.sh):
  host.tap           the host's own tests (builds, checkpatch, sparse, VM run)
  harness.tap        the in-VM runner's checks (insmod/rmmod)
  console.log        the VM's serial console: KUnit KTAP between the
                     "atcp-harness: kunit begin/end" markers is parsed by the
                     kernel's tools/testing/kunit/kunit.py; sanitizer reports
                     after "atcp-harness: guest ready" are counted
  kmemleak           kmemleak report saved after the tests
  selftests/plan, selftests/<test>.{log,rc,seconds}
                     TAP output of each selftest file

Every result is one test: PASS, FAIL or SKIP.  Each sanitizer category is a
test too, passing when the category has no report, so its absence is
visible.  Writes OUTDIR/results.json and OUTDIR/summary.txt, prints the
summary; the last line is exactly "N passed, N failed" or
"N passed, N failed, N skipped".  Exit status 1 if anything failed or if no
KUnit case and no selftest ran.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# How many of a failure's diagnostic lines the summary shows.
MAX_DIAG = 8
TAP_RE = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$')
DIRECTIVE_RE = re.compile(r'\s+#\s*(SKIP|TODO)\b:?\s*(.*)$', re.I)
PLAN_RE = re.compile(r'^1\.\.(\d+)\b(.*)$')
TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')

# Sanitizer categories: (name, [regexes]) matched on console lines (kernel
# timestamp stripped).  The first match of each line wins, in this order.
SANITIZERS = [
    ('KASAN', [r'BUG: KASAN:', r'^KASAN:']),
    ('UBSAN', [r'UBSAN:']),
    ('lockdep', [r'WARNING: (?!CPU: )', r'DEBUG_LOCKS_WARN_ON',
                 r'INFO: trying to register non-static key',
                 r'BUG: MAX_LOCKDEP', r'BUG: (held lock|lock held)']),
    ('WARN', [r'WARNING: CPU: \d+ PID: \d+ at', r'WARNING: at ']),
    ('BUG/Oops', [r'BUG: ', r'kernel BUG at', r'Oops:', r'Oops\b.*\[#\d+\]',
                  r'general protection fault', r'Kernel panic',
                  r'Unable to handle kernel', r'^BUG [\w.-]+ \(',
                  r'(list_add|list_del) corruption']),
    ('debugobjects', [r'ODEBUG:']),
    ('lockup/stall', [r'soft lockup', r'hard LOCKUP', r'detected stalls? on',
                      r'self-detected stall', r'INFO: task .* blocked for more than']),
    ('kmemleak', [r'kmemleak: \d+ new suspected memory leaks']),
]
SANITIZERS = [(n, [re.compile(r) for r in rs]) for n, rs in SANITIZERS]


class Results:
    def __init__(self):
        self.tests = []  # dicts: name, status, detail, group[, diag]

    def add(self, group, name, status, detail='', diag=()):
        t = {'group': group, 'name': name, 'status': status,
             'detail': detail}
        if diag:
            t['diag'] = list(diag)	# a failure's first "# " lines
        self.tests.append(t)

    def count(self, status):
        return sum(1 for t in self.tests if t['status'] == status)


def read(path, default=None):
    try:
        with open(path, errors='backslashreplace') as f:
            return f.read()
    except OSError:
        return default


def parse_tap(text):
    """Return (results, plan): results = [(status, name, detail, diag)],
    diag the first MAX_DIAG "# " lines after a failure."""
    results, plan = [], None
    diag_of = None		# the failed result the "# " lines belong to
    for line in text.splitlines():
        line = line.rstrip('\r')
        m = PLAN_RE.match(line)
        if m:
            plan = (int(m.group(1)), m.group(2))
            diag_of = None
            continue
        m = TAP_RE.match(line)
        if not m:
            # A failure's first diagnostic lines go to the summary, so
            # that a CI log alone says what was seen.
            if diag_of is not None and line.startswith('# ') and \
                    len(diag_of) < MAX_DIAG:
                diag_of.append(line[2:])
            elif not line.startswith('# '):
                diag_of = None
            continue
        ok = m.group(1) == 'ok'
        desc = m.group(3).strip()
        detail = ''
        status = 'PASS' if ok else 'FAIL'
        d = DIRECTIVE_RE.search(desc)
        if d:
            desc = desc[:d.start()].strip()
            if d.group(1).upper() == 'SKIP':
                status = 'SKIP'
                detail = d.group(2)
            else:  # TODO: a known failure does not fail the run
                status = 'PASS' if ok else 'SKIP'
                detail = 'TODO ' + d.group(2)
        elif not ok and '#' in desc:
            desc, _, detail = desc.partition('#')
            desc, detail = desc.strip(), detail.strip()
        diag_of = [] if status == 'FAIL' else None
        results.append((status, desc or ('#%s' % (m.group(2) or '?')),
                        detail, diag_of if diag_of is not None else []))
    return results, plan


def add_tap_file(res, group, path, prefix=''):
    text = read(path)
    if text is None:
        return
    for status, name, detail, diag in parse_tap(text)[0]:
        res.add(group, prefix + name, status, detail, diag)


def console_lines(outdir):
    text = read(os.path.join(outdir, 'console.log'), '')
    return [TIMESTAMP_RE.sub('', l.rstrip('\r')) for l in text.splitlines()]


def parse_kunit(res, outdir, lines, kunit_py):
    harness = read(os.path.join(outdir, 'harness.tap'), '')
    if 'insmod kunit/atcp_test.ko' not in harness:
        return 0  # KUnit was not run (filtered out, or atcp.ko did not load)
    try:
        begin = next(i for i, l in enumerate(lines) if 'atcp-harness: kunit begin' in l)
    except StopIteration:
        res.add('kunit', 'kunit: KTAP output', 'FAIL', 'no "kunit begin" marker in console.log')
        return 0
    end = next((i for i in range(begin, len(lines))
                if 'atcp-harness: kunit end' in lines[i]), len(lines))
    # Keep the raw console lines (kunit.py strips their prefixes itself).
    raw = read(os.path.join(outdir, 'console.log'), '').splitlines()
    # Map back: console_lines() kept line numbering, so slice the raw copy.
    ktap = '\n'.join(l.rstrip('\r') for l in raw[begin + 1:end]) + '\n'
    ktap_path = os.path.join(outdir, 'kunit.log')
    with open(ktap_path, 'w') as f:
        f.write(ktap)
    if 'KTAP version' not in ktap and 'TAP version' not in ktap:
        res.add('kunit', 'kunit: KTAP output', 'FAIL', 'atcp_test.ko printed no KTAP (see kunit.log)')
        return 0
    if not kunit_py or not os.path.exists(kunit_py):
        res.add('kunit', 'kunit: kunit.py parse', 'FAIL', 'kunit.py not found: %s' % kunit_py)
        return 0
    fd, json_path = tempfile.mkstemp(suffix='.json', dir=outdir)
    os.close(fd)
    proc = subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + json_path, ktap_path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(outdir, 'kunit.parsed.txt'), 'w') as f:
        f.write(proc.stdout)
    try:
        with open(json_path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        res.add('kunit', 'kunit: kunit.py parse', 'FAIL', 'no JSON from kunit.py (see kunit.parsed.txt)')
        return 0
    finally:
        os.rename(json_path, os.path.join(outdir, 'kunit.json'))
    n = 0
    status_map = {'PASS': 'PASS', 'SKIP': 'SKIP'}

    def walk(group, path):
        nonlocal n
        for case in group.get('test_cases', []):
            res.add('kunit', 'kunit: %s.%s' % (path, case['name']),
                    status_map.get(case['status'], 'FAIL'),
                    'crashed (ERROR)' if case['status'] == 'ERROR' else '')
            n += 1
        for sub in group.get('sub_groups', []):
            walk(sub, '%s.%s' % (path, sub['name']) if path else sub['name'])

    walk(data, '')
    # kunit.py reports a crashed/incomplete run in its text output.
    if proc.returncode != 0 and not any(t['status'] == 'FAIL' for t in res.tests
                                        if t['group'] == 'kunit'):
        res.add('kunit', 'kunit: kunit.py parse', 'FAIL',
                'kunit.py exit %d (see kunit.parsed.txt)' % proc.returncode)
    if n == 0:
        res.add('kunit', 'kunit: test cases', 'FAIL', 'KTAP held no test case')
    return n


def parse_selftests(res, outdir):
    sdir = os.path.join(outdir, 'selftests')
    plan = (read(os.path.join(sdir, 'plan'), '') or '').split()
    aborted = (read(os.path.join(sdir, 'aborted'), '') or '').strip()
    n = 0
    for name in plan:
        log = read(os.path.join(sdir, name + '.log'))
        rc_text = read(os.path.join(sdir, name + '.rc'))
        if log is None or rc_text is None:
            res.add('selftest', '%s: run' % name, 'FAIL',
                    'not run: ' + aborted if aborted else 'not run or not finished (VM died?)')
            continue
        rc = int(rc_text.strip() or '0')
        results, tplan = parse_tap(log)
        for status, tname, detail, diag in results:
            res.add('selftest', '%s: %s' % (name, tname), status, detail,
                    diag)
        bail = re.search(r'^Bail out!\s*(.*)$', log, re.M)
        if bail:
            res.add('selftest', '%s: Bail out!' % name, 'FAIL', bail.group(1).strip())
        n += len(results)
        fails = sum(1 for r in results if r[0] == 'FAIL')
        if rc in (124, 137):
            res.add('selftest', '%s: timeout' % name, 'FAIL',
                    'killed after %s s' % (read(os.path.join(sdir, name + '.seconds'), '?').strip()))
        elif rc == 4 and not results:
            res.add('selftest', name, 'SKIP', 'exit 4 (KSFT_SKIP)')
        elif rc != 0 and fails == 0:
            res.add('selftest', '%s: exit status' % name, 'FAIL', 'exit %d without a "not ok"' % rc)
        elif not results and not (tplan and tplan[0] == 0):
            res.add('selftest', name, 'FAIL', 'no TAP result lines')
        if tplan and tplan[0] == 0 and not results:
            res.add('selftest', name, 'SKIP', tplan[1].lstrip(' #'))
        elif tplan and tplan[0] != len(results) and rc not in (124, 137):
            res.add('selftest', '%s: plan' % name, 'FAIL',
                    'planned %d, got %d results' % (tplan[0], len(results)))
    return n


def parse_sanitizers(res, outdir, lines):
    try:
        start = next(i for i, l in enumerate(lines) if 'atcp-harness: guest ready' in l)
    except StopIteration:
        start = 0
    found = {name: [] for name, _ in SANITIZERS}
    current = 'boot'
    for line in lines[start:]:
        m = re.search(r'atcp-harness: (?:begin (\S+)|kunit (begin))', line)
        if m:
            current = m.group(1) or 'KUnit'
            continue
        if re.search(r'atcp-harness: (end \S+|kunit end)', line):
            current = 'between tests'
            continue
        for name, regexes in SANITIZERS:
            if any(r.search(line) for r in regexes):
                found[name].append('%s [during %s]' % (line.strip(), current))
                break
    leaks = read(os.path.join(outdir, 'kmemleak'))
    if leaks:
        objs = re.findall(r'^unreferenced object.*$', leaks, re.M)
        if objs:
            ours = len(re.findall(r'atcp', leaks))
            found['kmemleak'].insert(0, '%d unreferenced object(s) in kmemleak%s: %s' % (
                len(objs), ' (backtraces mention atcp)' if ours else '', objs[0]))
    for name, _ in SANITIZERS:
        hits = found[name]
        if name == 'kmemleak' and leaks is None and not hits:
            if os.path.exists(os.path.join(outdir, 'exit-status')):
                res.add('sanitizer', 'sanitizer: kmemleak', 'FAIL', 'no kmemleak report was saved')
            else:
                res.add('sanitizer', 'sanitizer: kmemleak', 'SKIP', 'not scanned: the VM did not finish')
            continue
        if hits:
            more = ' (+%d more)' % (len(hits) - 1) if len(hits) > 1 else ''
            res.add('sanitizer', 'sanitizer: %s' % name, 'FAIL', hits[0] + more)
        else:
            res.add('sanitizer', 'sanitizer: %s' % name, 'PASS')
    with open(os.path.join(outdir, 'sanitizers.txt'), 'w') as f:
        for name, _ in SANITIZERS:
            for h in found[name]:
                f.write('%s: %s\n' % (name, h))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('outdir')
    ap.add_argument('--kunit-py', default=None)
    ap.add_argument('--no-vm', action='store_true', help='the VM did not run: host results only')
    args = ap.parse_args()
    outdir = args.outdir

    res = Results()
    add_tap_file(res, 'host', os.path.join(outdir, 'host.tap'))
    ran = 0
    if not args.no_vm:
        lines = console_lines(outdir)
        add_tap_file(res, 'harness', os.path.join(outdir, 'harness.tap'), 'harness: ')
        ran += parse_kunit(res, outdir, lines, args.kunit_py)
        ran += parse_selftests(res, outdir)
        parse_sanitizers(res, outdir, lines)
    if ran == 0:
        res.add('harness', 'harness: tests ran', 'FAIL', 'no KUnit case and no selftest result')

    out = []
    w = max((len(t['name']) for t in res.tests), default=10)
    w = min(w, 70)
    group = None
    for t in res.tests:
        if t['group'] != group:
            group = t['group']
            out.append('--- %s' % group)
        line = '%-4s  %s' % (t['status'], t['name'])
        if t['detail'] and t['status'] != 'PASS':
            line = '%-4s  %-*s  %s' % (t['status'], w, t['name'], t['detail'])
        out.append(line)
    failed = [t for t in res.tests if t['status'] == 'FAIL']
    if failed:
        out.append('')
        out.append('FAILURES (details in %s):' % outdir)
        for t in failed:
            out.append('  %s%s' % (t['name'], ': ' + t['detail'] if t['detail'] else ''))
            out.extend('      # ' + d for d in t.get('diag', ()))
    p, f, s = res.count('PASS'), res.count('FAIL'), res.count('SKIP')
    out.append('')
    out.append('%d passed, %d failed' % (p, f) + (', %d skipped' % s if s else ''))
    text = '\n'.join(out) + '\n'
    with open(os.path.join(outdir, 'summary.txt'), 'w') as fh:
        fh.write(text)
    with open(os.path.join(outdir, 'results.json'), 'w') as fh:
        json.dump({'passed': p, 'failed': f, 'skipped': s, 'tests': res.tests}, fh, indent=1)
    sys.stdout.write(text)
    return 1 if f else 0


if __name__ == '__main__':
    sys.exit(main())
