# SPDX-License-Identifier: GPL-2.0
# cma-sticky workbench.  `make` builds, boots and demonstrates the patched
# kernel; `make check` runs every gate and test.  See README.md.

SHELL := /bin/bash
S := scripts

.PHONY: all run check bench series export base deps fetch assemble clean help cocci stress

all: run

help:
	@echo "make            build the lean kernel, boot it in QEMU, print the demo"
	@echo "make check      gates + debug kernel boot with KUnit and kselftests"
	@echo "make stress     the switch under load on the debug kernel for" \
		"DURATION seconds (600)"
	@echo "make bench      allocation latency of every CMA arm + hot path" \
		"(out/bench/results.md)"
	@echo "make series     git format-patch --cover-letter of out/linux into out/series/"
	@echo "make export     out/linux's commits -> patches/, its new files ->" \
		"the top-level copies"
	@echo "make cocci      the Coccinelle rules on their corpus, and the audit of" \
		"the tree (scripts/coccinelle/reviewed)"
	@echo "make base       build the unpatched base with the same configs"
	@echo "make clean      remove out/ (keeps the downloaded base package)"
	@echo "variables: KSRC=/path/to/linux-6.12.y  ACCEL=kvm  JOBS=N  OUT=dir"

deps:
	@$(S)/deps.sh

fetch: deps
	@$(S)/fetch.sh

assemble: fetch
	@$(S)/assemble.sh

run: assemble
	@$(S)/run.sh

check: fetch
	@$(S)/check.sh

bench: assemble
	@$(S)/bench.sh

stress: assemble
	@$(S)/stress.sh

cocci: assemble
	@$(S)/cocci.sh corpus && $(S)/cocci.sh audit

series: assemble
	@rm -rf out/series && cd out/linux && \
	  git format-patch -q --cover-letter -o ../series base..HEAD && \
	  ls ../series

export:
	@$(S)/export.sh

base: fetch
	@$(S)/build.sh run base && $(S)/build.sh debug base

clean:
	@if [ -d out ]; then find out -mindepth 1 -maxdepth 1 ! -name src -exec rm -rf {} +; \
	  rm -rf out/src/base out/src/base.id out/src/base.tmp; fi
