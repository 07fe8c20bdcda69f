# SPDX-License-Identifier: GPL-2.0
# Kernel command lines of the guests (sourced by the workbench scripts).
# run: the `make` demo; check: the `make check` debug boot.
# "reserved" (cma=) is a MIGRATE_CMA area; cma_region= adds regions
# ("kunit" is the exclusive one the cma_region KUnit suite needs, "kunit2"
# the second exclusive one in the same zone its shuffle case needs, "shared"
# the sticky one of the cma_sticky suite and of cma_sticky_test).  Each
# exclusive region holds 36 MiB: the upstream dma-buf heap selftest, run
# unchanged on every heap, holds 32 buffers of 1 MiB at once while the
# 1 MiB buffer of its first case is still mapped (it never unmaps it).
RUN_CMDLINE="cma=64M cma_region=camera:64M:exclusive,shared:128M:sticky"
# The malformed entries after "shared" must be refused with a message
# and leave no area (cma_exclusive_test checks).
CHECK_CMDLINE="cma=64M cma_region=kunit:36M:exclusive,kunit2:36M:exclusive,shared:256M:sticky"
CHECK_CMDLINE+=",bad:12Q:exclusive,odd:8M:shared,noname"
# page_owner: cma_walkers_test reads /sys/kernel/debug/page_owner over the
# regions.
CHECK_CMDLINE+=" page_owner=on"
# The reporting boot of `make check`: the check kernel and command line,
# no KUnit, a virtio-balloon that takes free page reports; the guest runs
# cma_walkers_test's free_page_reporting case only.  A boot of its own:
# reporting takes free blocks off the lists for a while, which the other
# tests, which measure placement and free counts, would see.
REPORTING_QEMU="-device virtio-balloon-pci,free-page-reporting=on"
REPORTING_CMDLINE="$CHECK_CMDLINE kunit.enable=0 cmasticky.scenario=reporting"
# `kunit.py run --kunitconfig=mm/page_alloc_cma.kunitconfig` (make check):
# the areas the KUnit suites need.
KUNIT_RUN_ARGS="cma=64M cma_region=kunit:36M:exclusive,kunit2:36M:exclusive,shared:256M:sticky"

# step_cmdline TREE: the command line a step of the series supports (the
# per-step boot gate of `make check`): RUN_CMDLINE's cma= area, and its
# regions of the modes that step's tree knows.
step_cmdline() {
	local regions=
	if [ -f "$1/mm/page_alloc_cma.c" ]; then
		regions=camera:64M:exclusive
		grep -q 'CMA_REGION_STICKY' "$1/include/linux/cma.h" &&
			regions="$regions,shared:128M:sticky"
	fi
	echo "cma=64M${regions:+ cma_region=$regions}"
}
