#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: build the lean kernel, boot it with the demo scenario and
# print what the kernel did as a short summary.
. "$(dirname "$0")/lib.sh"
"$TOP/scripts/build.sh" run
"$TOP/scripts/initramfs.sh" "$OUT/initramfs/demo.cpio"
# shellcheck source=/dev/null
. "$TOP/guest/cmdline.sh"
rc=0
"$TOP/scripts/boot.sh" run "$OUT/build/run/arch/x86/boot/bzImage" "$OUT/initramfs/demo.cpio" \
	"$RUN_CMDLINE cmasticky.scenario=demo" "${RUN_TIMEOUT:-300}" || rc=$?
echo
echo "==== cma-sticky demo ($(sed -n "s/^$MARK_HOST[0-9]* wall=//p" "$OUT/logs/run.log")" \
	"in QEMU, console log: out/logs/run.log) ===="
sed -n 's/^DEMO: /  /p' "$OUT/logs/run.log"
if ! "$TOP/scripts/judge.sh" "$OUT/logs/run.log"; then
	die "the demo boot failed (qemu exit $rc)"
fi
grep -q "^${MARK_END}0" "$OUT/logs/run.log" || die "the demo scenario reported a failure"
