#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh NAME BZIMAGE INITRAMFS "KERNEL ARGS" [TIMEOUT_S]
# Boot the guest in QEMU with a hard timeout; the console goes to
# out/logs/NAME.log.  ACCEL=kvm uses KVM (nested KVM does not work on the
# project's machines, so TCG is the default); MEM, SMP and QEMU_EXTRA
# (e.g. "-icount shift=0") tune the guest.
. "$(dirname "$0")/lib.sh"
name=$1 kernel=$2 initrd=$3 append=$4 tmo=${5:-600}
mkdir -p "$OUT/logs"
logf=$OUT/logs/$name.log

accel=(-accel tcg -cpu max)
if [ "${ACCEL:-tcg}" = kvm ]; then
	accel=(-accel kvm -cpu host)
fi
# shellcheck disable=SC2206
extra=(${QEMU_EXTRA:-})
log "boot $name: ${ACCEL:-tcg}, ${MEM:-1G}, ${SMP:-2} cpus, timeout ${tmo}s, log ${logf#$TOP/}"
start=$(date +%s.%N)
set +e
timeout -k 10 "$tmo" qemu-system-x86_64 "${accel[@]}" -m "${MEM:-1G}" -smp "${SMP:-2}" \
	-nodefaults -display none -monitor none -serial stdio -no-reboot \
	"${extra[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=7 panic=-1 oops=panic $append" \
	</dev/null >"$logf" 2>&1
rc=$?
set -e
echo "${MARK_HOST}$rc wall=$(echo "$(date +%s.%N) - $start" | bc)s" >> "$logf"
exit $rc
