# SPDX-License-Identifier: GPL-2.0
# Kernel command lines of the guests (sourced by the workbench scripts).
# run: the `make` demo; check: the `make check` debug boot.
# "reserved" (cma=) is a MIGRATE_CMA area; cma_region= adds exclusive ones
# ("kunit" is the one the KUnit suite needs).
RUN_CMDLINE="cma=64M cma_region=camera:64M:exclusive"
# The malformed entries after "kunit" must be refused with a message
# and leave no area (cma_exclusive_test checks).
CHECK_CMDLINE="cma=64M cma_region=kunit:32M:exclusive,bad:12Q:exclusive,odd:8M:sticky,noname"
