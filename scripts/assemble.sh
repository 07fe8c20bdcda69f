#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Assemble out/linux: a git repository whose first commit (tag "base") is
# the pristine base, then one commit per mail of patches/series, applied
# with `git am -3`.  The series is the only source: the top-level copies
# of its new files are exports of it (scripts/export.sh).
# Re-assembly always restarts from the base commit; an unchanged input
# leaves the tree (and its timestamps, hence the builds) alone.  Work
# committed in out/linux that was never exported is not thrown away: the
# script stops and says so.
. "$(dirname "$0")/lib.sh"

base_id=$(cat "$OUT/src/base.id")
inputs=$(assemble_inputs)

if [ -d "$SRC/.git" ] && [ "$(cat "$SRC/.git/cma-inputs" 2>/dev/null)" = "$inputs" ] &&
   [ "${ASSEMBLE_FORCE:-0}" != 1 ]; then
	log "assemble: out/linux is up to date" \
	    "($(git -C "$SRC" rev-list --count base..HEAD) commits on the base)"
	exit 0
fi

if [ -d "$SRC/.git" ] && [ -f "$SRC/.git/cma-head" ] && [ "${ASSEMBLE_FORCE:-0}" != 1 ]; then
	# Did someone work in out/linux since it was assembled?
	if [ "$(git -C "$SRC" rev-parse HEAD)" != "$(cat "$SRC/.git/cma-head")" ] ||
	   ! git -C "$SRC" diff --quiet HEAD -- 2>/dev/null ||
	   [ -n "$(untracked_files "$SRC")" ]; then
		die "out/linux has commits or changes that patches/ does not have; run
    'make export' to write them to patches/ (and the top-level files), or
    'ASSEMBLE_FORCE=1 make assemble' to drop them"
	fi
fi

if [ ! -d "$SRC/.git" ] || [ "$(cat "$SRC/.git/cma-base-id" 2>/dev/null)" != "$base_id" ]; then
	log "assemble: creating out/linux from the base ($base_id)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	(cd "$BASESRC" && tar -c .) | tar -x -C "$SRC"
	cd "$SRC" || exit
	git init -q -b series .
	git config core.autocrlf false
	git config gc.auto 0
	# Debian's .gitignore ignores everything at the top level: add by force.
	git add -A -f .
	git commit -q --no-verify -m "base: $base_id" \
		-m "Pristine base tree of the cma-sticky series."
	git tag -f base >/dev/null
	echo "$base_id" > .git/cma-base-id
else
	cd "$SRC" || exit
	git am --abort >/dev/null 2>&1 || true
	# Remember the series' files and their times: those that come out
	# of the re-assembly unchanged get their old times back, so that
	# kbuild rebuilds only what really changed.
	old=$(git rev-parse HEAD)
	dirty=$(git diff --name-only HEAD)	# dropped edits (ASSEMBLE_FORCE): rebuild
	git diff --name-only base "$old" | while IFS= read -r f; do
		if [ -f "$f" ] && ! grep -qxF "$f" <<< "$dirty"; then
			printf '%s\t%s\n' "$(stat -c %Y "$f")" "$f"
		fi
	done > .git/cma-mtimes
	git checkout -q -f -B series base
	git clean -q -fdx
fi
rm -f .git/cma-inputs
git rev-parse HEAD > .git/cma-head
: > .git/cma-series

apply_mail() {
	# apply_mail PATCHFILE LABEL
	local p=$1 label=$2
	head -c 5 "$p" | grep -q '^From ' ||
		die "$label is not a git format-patch mail (changelog + Signed-off-by needed)"
	if ! git am -q -3 --keep-cr "$p" >"$SRC/.git/am.log" 2>&1; then
		sed 's/^/    /' "$SRC/.git/am.log" >&2
		git am --abort >/dev/null 2>&1 || true
		die "patch $label does not apply to $(cat .git/cma-base-id)"
	fi
	echo "$(git rev-parse HEAD) $label" >> .git/cma-series
	# what assembly made, mail by mail: a failed mail fixed by hand in
	# out/linux is then work the next assembly refuses to drop
	git rev-parse HEAD > .git/cma-head
}

while read -r p _; do
	case $p in ''|'#'*) continue ;; esac
	[ -f "$TOP/patches/$p" ] || die "patches/series names patches/$p, which does not exist"
	apply_mail "$TOP/patches/$p" "patches/$p"
done < "$TOP/patches/series"

if [ -n "${old:-}" ]; then
	changed=$(git diff --name-only "$old" HEAD)
	while IFS=$'\t' read -r t f; do
		if [ -f "$f" ] && ! grep -qxF "$f" <<< "$changed"; then
			touch -d "@$t" "$f"
		fi
	done < .git/cma-mtimes
fi
git rev-parse HEAD > .git/cma-head
echo "$inputs" > .git/cma-inputs
hash_inputs patches > .git/cma-patches
log "assemble: out/linux = base + $(git rev-list --count base..HEAD) commits"
git log --oneline base..HEAD | sed 's/^/    /' >&2
