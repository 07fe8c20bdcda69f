#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the pristine base tree into out/src/base and write its identity to
# out/src/base.id.  The base is Debian's linux-source-6.12 at the version
# pinned in base.lock (sha256 checked), or KSRC=/path/to/linux-6.12.y.
. "$(dirname "$0")/lib.sh"
. "$TOP/base.lock"

mkdir -p "$OUT/src"
cd "$OUT/src"

want_id=
if [ -n "${KSRC:-}" ]; then
	KSRC=$(cd "$KSRC" && pwd) || die "KSRC=$KSRC: no such directory"
	[ -f "$KSRC/Makefile" ] && [ -d "$KSRC/mm" ] || die "KSRC=$KSRC is not a kernel tree"
	kver=$(make -s -C "$KSRC" kernelversion 2>/dev/null) ||
		die "KSRC: cannot read kernelversion"
	case $kver in
	6.12|6.12.*) ;;
	*) die "KSRC is Linux $kver; the series targets 6.12.y" ;;
	esac
	if git -C "$KSRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
		rev=$(git -C "$KSRC" rev-parse HEAD)
		[ -z "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] ||
			warn "KSRC has uncommitted changes; only its HEAD ($rev) is used"
		want_id="ksrc:$KSRC:git:$rev"
	else
		rev=$(cd "$KSRC" && find . -path ./.git -prune -o -type f \
			! -name '*.o' ! -name '*.cmd' -printf '%P %s %T@\n' |
			sort | sha256sum | cut -c1-16)
		want_id="ksrc:$KSRC:tree:$rev"
	fi
else
	want_id="debian:$BASE_PKG=$BASE_VERSION"
fi

if [ -f base.id ] && [ "$(cat base.id)" = "$want_id" ] && [ -f base/Makefile ]; then
	exit 0
fi
# An unpinned fallback is re-checked each time: the pin may be back.
if [ -f base.id ] && [ -f base/Makefile ] && [ -z "${KSRC:-}" ] &&
   grep -q "^debian:$BASE_PKG=.*unpinned" base.id &&
   ! apt-cache show "$BASE_PKG=$BASE_VERSION" >/dev/null 2>&1; then
	warn "still using the unpinned base $(cat base.id): $BASE_VERSION is not in the archive"
	exit 0
fi

rm -rf base.tmp && mkdir base.tmp
if [ -n "${KSRC:-}" ]; then
	log "base: copying $KSRC ($want_id)"
	if [[ $want_id == *:git:* ]]; then
		git -C "$KSRC" archive --format=tar --prefix=linux/ HEAD | tar -x -C base.tmp
	else
		mkdir base.tmp/linux
		(cd "$KSRC" && tar -c --exclude=.git --exclude='*.o' --exclude='*.cmd' \
			--exclude=.config . ) |
			tar -x -C base.tmp/linux
	fi
	[ ! -f base.tmp/linux/.config ] ||
		die "KSRC has a .config in its tree; run 'make mrproper' there"
else
	deb="${BASE_PKG}_${BASE_VERSION/:/%3a}_all.deb"
	if [ ! -f "$deb" ] || ! echo "$BASE_SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null; then
		rm -f "$deb"
		log "base: downloading $BASE_PKG=$BASE_VERSION"
		apt-get download "$BASE_PKG=$BASE_VERSION" >/dev/null 2>dl.err ||
		{ apt-get update -qq >/dev/null 2>&1 || true;
		  apt-get download "$BASE_PKG=$BASE_VERSION" >/dev/null 2>dl.err; } || true
	fi
	if [ -f "$deb" ]; then
		echo "$BASE_SHA256  $deb" | sha256sum -c --quiet - ||
			die "$deb: sha256 does not match base.lock ($BASE_SHA256)"
	else
		newest=$(apt-cache madison "$BASE_PKG" 2>/dev/null | awk '{print $3}' |
			 sort -V | tail -n1)
		[ -n "$newest" ] ||
			die "$BASE_PKG is not in the package archive at all (apt-get update?)"
		cat >&2 <<MSG

  *****************************************************************
  *  WARNING: the pinned base $BASE_PKG=$BASE_VERSION
  *  is no longer in the archive.  Using the newest one: $newest
  *  The series will be applied with a 3-way merge; results are not
  *  comparable with those recorded for the pinned base.
  *****************************************************************

MSG
		apt-get download "$BASE_PKG=$newest" >/dev/null 2>dl.err ||
			die "cannot download $BASE_PKG=$newest: $(cat dl.err)"
		deb=$(ls "${BASE_PKG}_"*"_all.deb" | grep -F "${newest/:/%3a}" | head -n1)
		want_id="debian:$BASE_PKG=$newest:unpinned"
	fi
	log "base: extracting $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C base.tmp
	mv base.tmp/linux-source-* base.tmp/linux
fi
rm -rf base && mv base.tmp/linux base && rmdir base.tmp
echo "$want_id" > base.id
log "base: $(make -s -C base kernelversion) ($want_id)"
