# SPDX-License-Identifier: GPL-2.0
# Kernel command lines of the guests (sourced by the workbench scripts).
# run: the `make` demo; check: the `make check` debug boot.
# "reserved" (cma=) is a MIGRATE_CMA area; cma_region= adds exclusive ones
# ("kunit" is the one the KUnit suite needs).
RUN_CMDLINE="cma=64M cma_region=camera:64M:exclusive"
CHECK_CMDLINE="cma=64M cma_region=kunit:32M:exclusive"
