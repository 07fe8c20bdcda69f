#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# export.sh         write out/linux's series (base..HEAD) to patches/ with
#                   `git format-patch`, and the top-level copies of its new
#                   files (mm/, Documentation/, selftests/, coccinelle/,
#                   include/linux/mmzone.h.patch) as of its last commit.
# export.sh --check compare the top-level copies with what the assembled
#                   series produces; exit 1 and list the differences.
# The series is edited in out/linux (commit, `git rebase -i base`), never
# in the copies: see README.md, "Changing the series".
. "$(dirname "$0")/lib.sh"

mode=${1:-write}
DIRS=(mm Documentation selftests coccinelle include)
[ -d "$SRC/.git" ] || die "no out/linux: run 'make assemble' first"
git -C "$SRC" diff --quiet HEAD -- ||
	die "out/linux has uncommitted changes: commit them (commit --fixup, rebase) first"
[ -z "$(untracked_files "$SRC")" ] ||
	die "out/linux has files git does not track: git add -f them (or remove them) first"
for d in rebase-merge rebase-apply; do
	[ ! -d "$SRC/.git/$d" ] ||
		die "out/linux is in the middle of a rebase or git am: finish it first"
done
[ "$(cat "$SRC/.git/cma-patches" 2>/dev/null)" = "$(hash_inputs patches)" ] ||
	die "patches/ changed since out/linux was assembled from it (a pull?): exporting would
    undo that change.  Re-assemble ('make assemble'), then redo the work in out/linux"

# The files now in the top-level copy directories.
project_copies() {
	local d
	for d in "${DIRS[@]}"; do
		if [ -d "$d" ]; then find "$d" -type f ! -name '*~'; fi
	done | LC_ALL=C sort
}

# write_copies DEST: the top-level copies of the series' final state.
write_copies() {
	local dest=$1 m
	while IFS= read -r m; do
		mkdir -p "$dest/$(dirname "${m#*:}")"
		git -C "$SRC" show "HEAD:${m%%:*}" > "$dest/${m#*:}"
	done < <(export_map "$SRC" HEAD)
	mkdir -p "$dest/include/linux"
	{
		echo "The series' whole change to include/linux/mmzone.h, as of its last patch."
		echo "Written by 'make export'; the series itself is patches/ (git am)."
		echo
		git -C "$SRC" diff base HEAD -- include/linux/mmzone.h
	} > "$dest/include/linux/mmzone.h.patch"
}

if [ "$mode" = --check ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	write_copies "$tmp/want"
	mkdir -p "$tmp/have"
	(cd "$TOP" && project_copies | while IFS= read -r f; do
		mkdir -p "$tmp/have/$(dirname "$f")" && cp "$f" "$tmp/have/$f"
	done)
	if diff -ru "$tmp/have" "$tmp/want" > "$tmp/diff"; then
		exit 0
	fi
	sed -e "s#$tmp/have/#top-level: #; s#$tmp/want/#series:    #" "$tmp/diff" > "$tmp/shown"
	head -n 60 "$tmp/shown"
	echo "export: the top-level copies differ from what patches/ produces (lines above);"
	echo "        edit out/linux and run 'make export', never the copies"
	exit 1
fi

# Write patches/ and the copies.
log "export: $(git -C "$SRC" rev-list --count base..HEAD) commits of out/linux -> patches/"
rm -f "$TOP"/patches/*.patch
git -C "$SRC" format-patch -q --zero-commit --no-signature -o "$TOP/patches" base..HEAD
(cd "$TOP/patches" && ls -1 -- *.patch) > "$TOP/patches/series"
(cd "$TOP" && project_copies | xargs -r rm -f)
write_copies "$TOP"
# out/linux is what patches/ now describes: no re-assembly needed.
git -C "$SRC" rev-parse HEAD > "$SRC/.git/cma-head"
assemble_inputs > "$SRC/.git/cma-inputs"
hash_inputs patches > "$SRC/.git/cma-patches"
: > "$SRC/.git/cma-series"
for c in $(git -C "$SRC" rev-list --reverse base..HEAD); do
	n=$(( $(wc -l < "$SRC/.git/cma-series") + 1 ))
	echo "$c patches/$(sed -n "${n}p" "$TOP/patches/series")" >> "$SRC/.git/cma-series"
done
git -C "$TOP" status --short -- patches "${DIRS[@]}" | sed 's/^/    /' >&2
