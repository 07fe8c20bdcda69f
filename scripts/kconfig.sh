#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kconfig.sh SRCDIR BUILDDIR FRAGMENT...
# Configure BUILDDIR from tinyconfig plus the fragments, then check that
# every option the fragments ask for survived olddefconfig
# (KCONFIG_NOVERIFY=1 skips that, for intermediate steps of the series;
# KCONFIG_SKIP_RE skips the options it matches, e.g. the series' own ones
# for the base).
. "$(dirname "$0")/lib.sh"
src=$1 bld=$2
shift 2
mkdir -p "$bld"
kmake "$src" "$bld" -s tinyconfig >/dev/null
cat "$@" > "$bld/fragments.config"
"$src/scripts/kconfig/merge_config.sh" -m -O "$bld" "$bld/.config" "$bld/fragments.config" \
	>/dev/null
kmake "$src" "$bld" -s olddefconfig >/dev/null

[ "${KCONFIG_NOVERIFY:-0}" = 1 ] && exit 0
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		opt=${line%%=*}
		got=$(grep -E "^($opt=|# $opt is not set)" "$bld/.config" || true)
		if [ "$got" != "$line" ]; then
			echo "config: $opt: asked for '$line'," \
			     "got '${got:-nothing (option missing or dependencies unmet)}'" >&2
			bad=1
		fi ;;
	'# CONFIG_'*' is not set')
		opt=${line#\# }; opt=${opt%% *}
		if grep -qE "^$opt=" "$bld/.config"; then
			echo "config: $opt: asked to be unset," \
			     "got '$(grep -E "^$opt=" "$bld/.config")'" >&2
			bad=1
		fi ;;
	esac
done < <(grep -vE "${KCONFIG_SKIP_RE:-^$}" "$bld/fragments.config" |
	  # a later fragment overrides an earlier one: keep each option's last line
	  awk '{ k = $0; sub(/^# /, "", k); sub(/[= ].*/, "", k)
		 if (k ~ /^CONFIG_/) { if (!(k in v)) o[n++] = k; v[k] = $0 } }
	       END { for (i = 0; i < n; i++) print v[o[i]] }')
[ $bad = 0 ] || die "kernel config in $bld does not match its fragments ($*)"
