#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Assemble out/linux: a git repository whose first commit is the pristine
# base, then one commit for the project's own files, one for
# include/linux/mmzone.h.patch, and one per patch of patches/series.
# Re-assembly always restarts from the base commit; an unchanged input
# leaves the tree (and its timestamps, hence the builds) alone.
. "$(dirname "$0")/lib.sh"

# Project file -> place in the kernel tree.
#   mm/...                -> mm/... (mm/page_alloc_cma.c and its headers)
#   Documentation/...     -> Documentation/...
#   selftests/...         -> tools/testing/selftests/...
#   coccinelle/...        -> scripts/coccinelle/...
OVERLAY=(mm:mm
	 Documentation:Documentation
	 selftests:tools/testing/selftests
	 coccinelle:scripts/coccinelle)

base_id=$(cat "$OUT/src/base.id")
inputs=$(echo "$base_id $(hash_inputs mm Documentation selftests \
	coccinelle include/linux/mmzone.h.patch patches scripts/assemble.sh)" | sha256sum | cut -c1-40)

if [ -d "$SRC/.git" ] && [ "$(cat "$SRC/.git/cma-inputs" 2>/dev/null)" = "$inputs" ]; then
	log "assemble: out/linux is up to date ($(git -C "$SRC" rev-list --count base..HEAD) commits on the base)"
	exit 0
fi

if [ ! -d "$SRC/.git" ] || [ "$(cat "$SRC/.git/cma-base-id" 2>/dev/null)" != "$base_id" ]; then
	log "assemble: creating out/linux from the base ($base_id)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	(cd "$BASESRC" && tar -c .) | tar -x -C "$SRC"
	cd "$SRC"
	git init -q -b series .
	git config core.autocrlf false
	git config gc.auto 0
	# Debian's .gitignore ignores everything at the top level: add by force.
	git add -A -f .
	git commit -q --no-verify -m "base: $base_id" -m "Pristine base tree of the cma-sticky series."
	git tag -f base >/dev/null
	echo "$base_id" > .git/cma-base-id
else
	cd "$SRC"
	git am --abort >/dev/null 2>&1 || true
	# Remember the series' files and their times: those that come out
	# of the re-assembly unchanged get their old times back, so that
	# kbuild rebuilds only what really changed.
	old=$(git rev-parse HEAD)
	git diff --name-only base "$old" | while IFS= read -r f; do
		[ -f "$f" ] && printf '%s\t%s\n' "$(stat -c %Y "$f")" "$f"
	done > .git/cma-mtimes
	git checkout -q -f -B series base
	git clean -q -fdx
fi
rm -f .git/cma-inputs
: > .git/cma-series

# 1. The project's own files.
added=()
for m in "${OVERLAY[@]}"; do
	from=${m%%:*} to=${m#*:}
	[ -e "$TOP/$from" ] || continue
	if [ -d "$TOP/$from" ]; then
		mkdir -p "$to"
		(cd "$TOP/$from" && tar -c --exclude='*~' .) | tar -x -C "$to"
	else
		mkdir -p "$(dirname "$to")"
		cp "$TOP/$from" "$to"
	fi
	added+=("$to")
done
[ ${#added[@]} -eq 0 ] || git add -A -f -- "${added[@]}"
if ! git diff --cached --quiet; then
	list=$(git diff --cached --name-status | sed 's/^/  /')
	git commit -q --no-verify -F - <<MSG
mm: cma-sticky: add the files kept as sources in the project tree

The cma-sticky series keeps its new source, documentation, selftest and
coccinelle files as plain files in its project tree, where they are
edited and reviewed as code rather than as diffs.  This commit copies
them in; nothing is built from them until the patches that follow wire
them into Kconfig and the Makefiles, so every step of the series still
builds.

$list

Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>
MSG
	echo "$(git rev-parse HEAD) project-files" >> .git/cma-series
fi

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
}

# 2. The migratetype change.
if [ -f "$TOP/include/linux/mmzone.h.patch" ]; then
	apply_mail "$TOP/include/linux/mmzone.h.patch" include/linux/mmzone.h.patch
fi

# 3. The series.
while read -r p _; do
	case $p in ''|'#'*) continue ;; esac
	[ -f "$TOP/patches/$p" ] || die "patches/series names patches/$p, which does not exist"
	apply_mail "$TOP/patches/$p" "patches/$p"
done < "$TOP/patches/series"

if [ -n "${old:-}" ]; then
	changed=$(git diff --name-only "$old" HEAD)
	while IFS=$'\t' read -r t f; do
		[ -f "$f" ] && ! grep -qxF "$f" <<< "$changed" && touch -d "@$t" "$f"
	done < .git/cma-mtimes
fi
echo "$inputs" > .git/cma-inputs
log "assemble: out/linux = base + $(git rev-list --count base..HEAD) commits"
git log --oneline base..HEAD | sed 's/^/    /' >&2
