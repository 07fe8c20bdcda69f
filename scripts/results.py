#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn test output into result lines "PASS|FAIL|SKIP<TAB>name<TAB>detail".

results.py kunit JSON      - the --json output of `kunit.py parse`
results.py kselftest FILE  - the KSELFTEST section of a guest console log
"""
import json
import re
import sys

KERNEL_LINE = re.compile(r'^\[\s*\d+\.\d+\]')


def out(status, name, detail=''):
    print(f'{status}\t{name}\t{detail}')


def kunit(path):
    with open(path) as f:
        root = json.load(f)

    def walk(group, prefix):
        for case in group.get('test_cases', []):
            st = {'PASS': 'PASS', 'SKIP': 'SKIP'}.get(case['status'], 'FAIL')
            out(st, f"kunit: {prefix}{case['name']}", case['status'])
        for sub in group.get('sub_groups', []):
            walk(sub, f"{prefix}{sub['name']}.")

    walk(root, '')


def kselftest(path):
    top = re.compile(r'^(not ok|ok) (\d+) (.*?)(?:\s+#\s*(.*))?$')
    sub = re.compile(r'^    (not ok|ok) (\d+) (.*?)(?:\s+#\s*(.*))?$')
    subs = []
    planned = None
    seen = 0
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if KERNEL_LINE.match(line):
                continue
            m = re.match(r'^1\.\.(\d+)$', line)
            if m and planned is None:
                planned = int(m.group(1))
                continue
            m = sub.match(line)
            if m:
                subs.append(m)
                continue
            m = top.match(line)
            if not m:
                continue
            seen += 1
            prog = m.group(3).split(': ')[-1]
            directive = (m.group(4) or '')
            if subs:
                for s in subs:
                    d = s.group(4) or ''
                    st = 'SKIP' if d.upper().startswith('SKIP') else \
                        ('PASS' if s.group(1) == 'ok' else 'FAIL')
                    out(st, f'kselftest: {prog}: {s.group(3)}', d)
                if m.group(1) == 'not ok' and all(s.group(1) == 'ok' for s in subs):
                    out('FAIL', f'kselftest: {prog}', f'program failed: {directive}')
            else:
                st = 'SKIP' if directive.upper().startswith('SKIP') else \
                    ('PASS' if m.group(1) == 'ok' else 'FAIL')
                out(st, f'kselftest: {prog}', directive)
            subs = []
    if planned is None:
        out('FAIL', 'kselftest: output', 'no KTAP plan found')
    elif seen != planned:
        out('FAIL', 'kselftest: output', f'{seen} of {planned} programs reported')


if __name__ == '__main__':
    {'kunit': kunit, 'kselftest': kselftest}[sys.argv[1]](sys.argv[2])
