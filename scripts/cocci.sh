#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cocci.sh corpus|audit [RESULTS]
# The series' Coccinelle rules (scripts/coccinelle/mm/*.cocci of the
# assembled tree), run the kernel's way (`make coccicheck MODE=report
# COCCI=... M=...`).  Prints PASS/FAIL lines for check.sh's results file
# on stdout (or appends them to RESULTS), details on stderr.
#
# corpus: each rule on its corpus, scripts/coccinelle/tests/mm_<rule>.c,
#   whose lines marked "/* report */" must be reported and no other line.
# audit: the rules over AUDIT_DIRS of the assembled tree and of the base.
#   Every function reported in the tree must be listed, with a reason, in
#   scripts/coccinelle/reviewed ("file:function: why it is safe"), and every
#   entry there must still be reported.  Counts: reports, functions,
#   reviewed, fixed (reported in the base, not in the tree).
. "$(dirname "$0")/lib.sh"
set +e

mode=${1:-}
res=${2:-/dev/stdout}
AUDIT_DIRS=${AUDIT_DIRS:-mm kernel/power kernel/dma drivers/virtio drivers/base arch/x86/mm}
RULES=$SRC/scripts/coccinelle/mm
work=$OUT/cocci
mkdir -p "$work"

pass() { printf 'PASS\t%s\t%s\n' "$1" "${2:-}" >> "$res"; }
fail() { printf 'FAIL\t%s\t%s\n' "$1" "${2:-}" >> "$res"; echo "cocci: FAIL: $1 ${2:-}" >&2; }

command -v spatch >/dev/null 2>&1 || { fail "coccinelle" "spatch not installed"; exit 0; }
mapfile -t rules < <(ls "$RULES"/*.cocci 2>/dev/null)
[ ${#rules[@]} -gt 0 ] || { fail "coccinelle" "no rules in ${RULES#$TOP/}"; exit 0; }

# coccicheck TREE RULE DIR: `make coccicheck` report lines, paths relative to TREE
coccicheck() {
	local tree=$1 rule=$2 dir=$3
	[ -d "$tree/$dir" ] || return 0
	make -s -C "$tree" O="$work/obj" coccicheck MODE=report COCCI="$rule" \
		M="$tree/$dir" J="$JOBS" 2>> "$work/coccicheck.err" |
		grep -E '^/.*:[0-9]+:[0-9-]+: ' | sed "s|^$tree/||"
}

# key LINE: file:function of a report line (the name in "WARNING: name(")
key() {
	sed -nE 's/^([^:]*):[0-9]+:[0-9-]+: WARNING: ([A-Za-z0-9_]+)(\(\)|\[\]):.*/\1:\2/p'
}

if [ "$mode" = corpus ]; then
	for rule in "${rules[@]}"; do
		name=$(basename "$rule" .cocci)
		corpus=$SRC/scripts/coccinelle/tests/mm_$name.c
		if [ ! -f "$corpus" ]; then
			fail "coccinelle corpus: $name" "no ${corpus#$SRC/}"
			continue
		fi
		opts=$(sed -n 's|^// *Options: *||p' "$rule")
		# shellcheck disable=SC2086
		got=$(spatch -D report --very-quiet $opts --sp-file "$rule" "$corpus" 2>&1 |
		      sed -n 's/^[^:]*:\([0-9]*\):.*/\1/p' | sort -n | uniq | tr '\n' ' ')
		want=$(grep -n '/\* report \*/' "$corpus" | cut -d: -f1 | tr '\n' ' ')
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			pass "coccinelle corpus: $name" "$(echo $want | wc -w) lines reported, none else"
		else
			fail "coccinelle corpus: $name" "reported lines [${got% }], marked [${want% }]"
		fi
	done
	exit 0
fi

[ "$mode" = audit ] || die "usage: cocci.sh corpus|audit [RESULTS]"
t0=$(date +%s)
: > "$work/coccicheck.err"
for tree in "$SRC" "$BASESRC"; do
	tag=tree
	[ "$tree" = "$BASESRC" ] && tag=base
	for rule in "${rules[@]}"; do
		for d in $AUDIT_DIRS; do
			coccicheck "$tree" "$rule" "$d"
		done
	done | sort -u > "$work/$tag.reports"
done
secs=$(( $(date +%s) - t0 ))
key < "$work/tree.reports" | sort -u > "$work/tree.keys"
key < "$work/base.reports" | sort -u > "$work/base.keys"
reviewed_file=$SRC/scripts/coccinelle/reviewed
grep -vE '^(#|$)' "$reviewed_file" 2>/dev/null |
	sed -E 's/^([^:]+:[^:]+):.*/\1/' | sort -u > "$work/reviewed.keys"
# an entry without a reason does not count as reviewed
noreason=$(grep -vE '^(#|$)' "$reviewed_file" 2>/dev/null | grep -vE '^[^:]+:[^:]+: *[^ ]' )

nrep=$(wc -l < "$work/tree.reports")
nfn=$(wc -l < "$work/tree.keys")
nrev=$(comm -12 "$work/tree.keys" "$work/reviewed.keys" | wc -l)
nfixed=$(comm -23 "$work/base.keys" "$work/tree.keys" | wc -l)
unrev=$(comm -23 "$work/tree.keys" "$work/reviewed.keys")
stale=$(comm -13 "$work/tree.keys" "$work/reviewed.keys")
summary="$nrep reports in $nfn functions: $nrev reviewed, $(echo "$unrev" | grep -c .)"
summary+=" unreviewed; $nfixed fixed (reported in the base only); ${secs}s"
echo "cocci audit ($AUDIT_DIRS): $summary" >&2
if [ -z "$unrev" ] && [ -z "$stale" ] && [ -z "$noreason" ]; then
	pass "coccinelle audit" "$summary"
else
	fail "coccinelle audit" "$summary"
	[ -n "$unrev" ] && { echo "  unreviewed (add 'file:function: reason' to" \
		"scripts/coccinelle/reviewed, or fix):"; grep -F -f <(echo "$unrev" |
		sed 's/:.*//' | sort -u) "$work/tree.reports" |
		grep -F -f <(echo "$unrev" | sed 's/.*://; s/^/WARNING: /') |
		sed 's/^/    /'; } >&2
	[ -n "$stale" ] && { echo "  reviewed but no longer reported (remove):"
		echo "$stale" | sed 's/^/    /'; } >&2
	[ -n "$noreason" ] && { echo "  entries without a reason:"
		echo "$noreason" | sed 's/^/    /'; } >&2
fi
