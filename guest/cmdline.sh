# SPDX-License-Identifier: GPL-2.0
# Kernel command lines of the guests (sourced by the workbench scripts).
# run: the `make` demo; check: the `make check` debug boot.
RUN_CMDLINE="cma=64M"
CHECK_CMDLINE="cma=64M"
