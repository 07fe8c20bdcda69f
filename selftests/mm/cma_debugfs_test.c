// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of a CMA area driven through debugfs (CONFIG_CMA_DEBUGFS):
 * allocating N pages must take exactly N pages out of CmaFree in
 * /proc/meminfo and releasing them must put exactly N back, and the
 * per-area counters in /sys/kernel/mm/cma/<area>/ must agree.
 *
 * Pages released by cma_release() travel through the per-cpu lists, so
 * CmaFree is read only after a CMA allocation, which drains those lists
 * (alloc_contig_range() calls drain_all_pages()).  The guest must be
 * otherwise quiet: nothing else may allocate from the area meanwhile.
 *
 * The area is the one named by $CMA_AREA, else "reserved", the one cma=
 * reserves (not a region: its free pages are not in CmaFree).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "cma_util.h"

FIXTURE(cma_area) {
	char name[NAME_MAX + 1];
	char dbg[PATH_MAX];
	char sys[PATH_MAX];
	long page_kb;
	long count;
};

FIXTURE_SETUP(cma_area)
{
	/* the area cma= reserves, not a region declared beside it */
	const char *want = getenv("CMA_AREA") ?: "reserved";
	struct dirent *de;
	DIR *d;

	self->name[0] = '\0';
	d = opendir(CMA_DEBUGFS);
	if (!d)
		SKIP(return, "no %s (CONFIG_CMA_DEBUGFS, debugfs mounted?)", CMA_DEBUGFS);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (want && strcmp(want, de->d_name))
			continue;
		snprintf(self->name, sizeof(self->name), "%s", de->d_name);
		break;
	}
	closedir(d);
	if (!self->name[0])
		SKIP(return, "no CMA area %s", want ? want : "at all");

	snprintf(self->dbg, sizeof(self->dbg), "%s/%s", CMA_DEBUGFS, self->name);
	snprintf(self->sys, sizeof(self->sys), "%s/%s", CMA_SYSFS, self->name);
	self->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	self->count = read_long(self->dbg, "count");
	ASSERT_GT(self->count, 0);
	TH_LOG("area %s: %ld pages", self->name, self->count);
}

FIXTURE_TEARDOWN(cma_area)
{
}

/* The area is accounted in CmaTotal. */
TEST_F(cma_area, total_covers_area)
{
	long total = meminfo_kb("CmaTotal");

	ASSERT_GE(total, 0);
	ASSERT_GE(total, self->count * self->page_kb);
}

/*
 * Allocation and release move CmaFree by exactly the amount.  Movable
 * allocations may borrow the area's free pages meanwhile (a process
 * exiting, a page cache page), so a sequence that sees such a change is
 * tried again, up to three times; broken accounting fails all three.
 */
TEST_F(cma_area, alloc_free_exact)
{
	long n = self->count / 4, f0 = 0, f1 = 0, f2 = 0;
	long ok0, ok1, rel0, rel1;
	int attempt;

	ok0 = read_long(self->sys, "alloc_pages_success");
	rel0 = read_long(self->sys, "release_pages_success");
	ASSERT_GE(ok0, 0);
	ASSERT_GE(rel0, 0);

	for (attempt = 0; attempt < 3; attempt++) {
		/* A first page drains the pcp lists, so CmaFree is exact. */
		ASSERT_EQ(0, write_count(self->dbg, "alloc", 1));
		f0 = meminfo_kb("CmaFree");
		ASSERT_GE(f0, n * self->page_kb);

		ASSERT_EQ(0, write_count(self->dbg, "alloc", n));
		f1 = meminfo_kb("CmaFree");

		ASSERT_EQ(0, write_count(self->dbg, "free", n));
		/* Another page drains what the release left on the pcp lists. */
		ASSERT_EQ(0, write_count(self->dbg, "alloc", 1));
		f2 = meminfo_kb("CmaFree");

		ASSERT_EQ(0, write_count(self->dbg, "free", 1));
		ASSERT_EQ(0, write_count(self->dbg, "free", 1));
		TH_LOG("attempt %d: alloc %ld pages: CmaFree %ld -> %ld kB; free, alloc 1: %ld kB",
		       attempt, n, f0, f1, f2);
		if (f0 - f1 == n * self->page_kb && f2 == f0 - self->page_kb)
			break;
	}
	EXPECT_EQ(n * self->page_kb, f0 - f1);
	EXPECT_EQ(f0 - self->page_kb, f2);

	ok1 = read_long(self->sys, "alloc_pages_success");
	rel1 = read_long(self->sys, "release_pages_success");
	EXPECT_EQ((n + 2) * (attempt + (attempt < 3)), ok1 - ok0);
	EXPECT_EQ((n + 2) * (attempt + (attempt < 3)), rel1 - rel0);
}

/* A request larger than the area fails and changes nothing. */
TEST_F(cma_area, oversized_alloc_fails_cleanly)
{
	long used0 = read_long(self->dbg, "used");

	ASSERT_GE(used0, 0);
	EXPECT_EQ(-ENOMEM, write_count(self->dbg, "alloc", self->count + 1));
	EXPECT_EQ(used0, read_long(self->dbg, "used"));
}

/* A request that does not fit beside a live one fails and is counted. */
TEST_F(cma_area, busy_area_fails_and_counts)
{
	long half = self->count / 2 + 1, used0, fail0, fail1;

	used0 = read_long(self->dbg, "used");
	fail0 = read_long(self->sys, "alloc_pages_fail");

	ASSERT_EQ(0, write_count(self->dbg, "alloc", half));
	EXPECT_EQ(used0 + half, read_long(self->dbg, "used"));
	EXPECT_EQ(-ENOMEM, write_count(self->dbg, "alloc", half));
	EXPECT_EQ(used0 + half, read_long(self->dbg, "used"));
	fail1 = read_long(self->sys, "alloc_pages_fail");
	ASSERT_EQ(0, write_count(self->dbg, "free", half));

	EXPECT_EQ(half, fail1 - fail0);
	EXPECT_EQ(used0, read_long(self->dbg, "used"));
}

/* The whole area can be taken, leaves CmaFree, and is given back. */
TEST_F(cma_area, whole_area)
{
	long used0 = read_long(self->dbg, "used"), f_all;

	ASSERT_EQ(0, used0);
	ASSERT_EQ(0, write_count(self->dbg, "alloc", self->count));
	EXPECT_EQ(self->count, read_long(self->dbg, "used"));
	f_all = meminfo_kb("CmaFree");
	ASSERT_EQ(0, write_count(self->dbg, "free", self->count));
	/* Nothing of this area is free while it is all allocated. */
	EXPECT_LE(f_all, meminfo_kb("CmaTotal") - self->count * self->page_kb);
	EXPECT_EQ(0, read_long(self->dbg, "used"));
}

TEST_HARNESS_MAIN
