#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# judge.sh LOG
# Fail a boot that timed out, panicked, never reached the end of its
# scenario, or printed any WARNING/BUG/KASAN/lockdep report.  Reports that
# a test provokes on purpose sit between the MARK_WARN_BEGIN and
# MARK_WARN_END lines (guest/markers.sh) and are not held against the boot.
. "$(dirname "$0")/lib.sh"
logf=$1
fail=0

qrc=$(sed -n "s/^$MARK_HOST\\([0-9]*\\).*/\\1/p" "$logf" | tail -n1)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "judge: ${logf##*/}: TIMEOUT (the guest did not power off in time); last lines:"
	tail -n 30 "$logf" | sed 's/^/    | /'
	fail=1
fi

pat='Kernel panic|BUG:|WARNING:|Oops|general protection fault|KASAN|UBSAN'
pat+='|possible (circular|recursive) locking|inconsistent lock state|INFO: task .* blocked'
pat+='|rcu_sched self-detected stall|RCU stall|page dumped because|bad page state|Bad page'
bad=$(awk -v pat="$pat" -v wb="$MARK_WARN_BEGIN" -v we="$MARK_WARN_END" '
	index($0, wb) { skip = 1; next }
	index($0, we) { skip = 0; next }
	!skip && $0 ~ pat { print NR; if (++n == 5) exit }' "$logf")
for n in $bad; do
	echo "judge: ${logf##*/}:$n: kernel report:"
	sed -n "$((n > 5 ? n - 5 : 1)),$((n + 25))p" "$logf" | sed 's/^/    | /'
	fail=1
done

if ! grep -q "^$MARK_END" "$logf"; then
	[ $fail = 1 ] || { echo "judge: ${logf##*/}: the scenario never finished; last lines:"
		tail -n 30 "$logf" | sed 's/^/    | /'; }
	fail=1
fi
exit $fail
