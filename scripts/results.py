#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn kunit.py's --json results into lines "PASS|FAIL|SKIP<TAB>name<TAB>detail".

KTAP is parsed by the tree's tools/testing/kunit/kunit.py only; this maps its
JSON to the result lines of `make check`.

results.py kunit JSON         - the kernel's KUnit output ("kunit: suite.case")
results.py kselftest JSON RC EXITS - the guest's KSELFTEST section
        ("kselftest: program: case"); RC is kunit.py's exit status (it counts
        programs missing from the plan), EXITS a file of "program status"
        lines, the exit status of each program as the guest's runner saw it
        (kunit.py takes a program's result from its cases: a program that
        failed outside them, in a teardown say, shows only there)
"""
import json
import sys

STATUS = {'PASS': 'PASS', 'SKIP': 'SKIP'}


def out(status: str, name: str, detail: str = '') -> None:
    print(f'{status}\t{name}\t{detail}')


def load(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def kunit(path: str) -> None:
    def walk(group: dict, prefix: str) -> None:
        for case in group.get('test_cases', []):
            out(STATUS.get(case['status'], 'FAIL'), f"kunit: {prefix}{case['name']}",
                case['status'])
        for sub in group.get('sub_groups', []):
            walk(sub, f"{prefix}{sub['name']}.")

    walk(load(path), '')


def kselftest(path: str, rc: str, exits: str) -> None:
    root = load(path)
    failed = 0
    failed_in = set()       # programs with a failed case
    # a program without cases of its own is a case of the root
    for case in root.get('test_cases', []):
        st = STATUS.get(case['status'], 'FAIL')
        failed += st == 'FAIL'
        if st == 'FAIL':
            failed_in.add(case['name'].split(': ')[-1])
        out(st, f"kselftest: {case['name'].split(': ')[-1]}", case['status'])
    for prog in root.get('sub_groups', []):
        name = prog['name'].split(': ')[-1]
        for case in prog.get('test_cases', []):
            st = STATUS.get(case['status'], 'FAIL')
            failed += st == 'FAIL'
            if st == 'FAIL':
                failed_in.add(name)
            out(st, f"kselftest: {name}: {case['name']}", case['status'])
    if not root.get('test_cases') and not root.get('sub_groups'):
        out('FAIL', 'kselftest: output', 'no selftest reported')
    elif rc != '0' and not failed:
        out('FAIL', 'kselftest: output', 'kunit.py: programs missing or crashed')
    with open(exits) as f:
        for line in f:
            name, status = line.split()
            # kselftest: 4 is a skip; a failed case already counts
            if status not in ('0', '4') and name not in failed_in:
                out('FAIL', f'kselftest: {name}', f'exit status {status} after its cases')


if __name__ == '__main__':
    if sys.argv[1] == 'kunit':
        kunit(sys.argv[2])
    else:
        kselftest(sys.argv[2], sys.argv[3], sys.argv[4])
