#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the workbench needs; skip what is present.
# usage: deps.sh [extra packages...]
. "$(dirname "$0")/lib.sh"

pkgs=(make gcc libc6-dev git perl python3 flex bison bc libelf-dev libssl-dev
      cpio busybox-static qemu-system-x86 sparse coccinelle ccache xz-utils
      rsync kmod gnuplot-nox python3-ply python3-git e2fsprogs "$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

log "installing: ${missing[*]}"
sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install failed for: ${missing[*]}"
