// SPDX-License-Identifier: GPL-2.0
/*
 * Exclusive CMA regions (CONFIG_CMA_STICKY) seen from user space: an area
 * whose /sys/kernel/mm/cma/<area>/mode is "exclusive", driven through its
 * debugfs alloc/free files.  Its free_pages must move by exactly the pages
 * allocated and released (the region's pages never pass through per-cpu
 * lists), the whole region must be allocatable, and the zone's free memory
 * (MemFree) must not count the region.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "cma_util.h"

/* A /proc/meminfo line in pages; -1 if absent. */
static long meminfo_pages(const char *name)
{
	long kb = meminfo_kb(name);

	return kb < 0 ? -1 : kb / (sysconf(_SC_PAGESIZE) / 1024);
}

FIXTURE(region) {
	char dbg[PATH_MAX];
	char sys[PATH_MAX];
	long count;
};

FIXTURE_SETUP(region)
{
	char mode[32], name[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d = opendir(CMA_SYSFS);

	if (!d)
		SKIP(return, "no %s (CONFIG_CMA_SYSFS)", CMA_SYSFS);
	while ((de = readdir(d))) {
		char dir[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", CMA_SYSFS, de->d_name);
		if (!read_str(dir, "mode", mode, sizeof(mode)) &&
		    !strcmp(mode, "exclusive")) {
			snprintf(name, sizeof(name), "%s", de->d_name);
			break;
		}
	}
	closedir(d);
	if (!name[0])
		SKIP(return, "no exclusive CMA area (cma_region=<name>:<size>:exclusive)");

	snprintf(self->dbg, sizeof(self->dbg), "%s/%s", CMA_DEBUGFS, name);
	snprintf(self->sys, sizeof(self->sys), "%s/%s", CMA_SYSFS, name);
	self->count = read_long(self->dbg, "count");
	ASSERT_GT(self->count, 0);
	/* The tests start from an idle region. */
	ASSERT_EQ(self->count, read_long(self->sys, "free_pages"));
	TH_LOG("exclusive area %s: %ld pages", name, self->count);
}

FIXTURE_TEARDOWN(region)
{
}

/* free_pages moves by exactly what is allocated and released. */
TEST_F(region, free_pages_exact)
{
	static const long counts[] = { 1, 3, 64, 1000, 4096 };
	long held = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		if (held + counts[i] > self->count)
			break;
		ASSERT_EQ(0, write_count(self->dbg, "alloc", counts[i]));
		held += counts[i];
		EXPECT_EQ(self->count - held, read_long(self->sys, "free_pages"));
	}
	while (i--) {
		ASSERT_EQ(0, write_count(self->dbg, "free", counts[i]));
		held -= counts[i];
		EXPECT_EQ(self->count - held, read_long(self->sys, "free_pages"));
	}
	EXPECT_EQ(self->count, read_long(self->sys, "free_pages"));
}

/*
 * alloc_atomic: GFP_ATOMIC with interrupts off, from the region's own free
 * lists; free_pages moves by exactly what is taken, and "free" gives it
 * back.  Bad counts are refused with nothing taken (a sticky region's
 * refusal is in cma_sticky_test's bad_input).
 */
TEST_F(region, alloc_atomic)
{
	static const long counts[] = { 1, 16, 512, 1024 };
	long held = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		ASSERT_EQ(0, write_count(self->dbg, "alloc_atomic", counts[i]));
		held += counts[i];
		EXPECT_EQ(self->count - held, read_long(self->sys, "free_pages"));
	}
	EXPECT_EQ(-EINVAL, write_count(self->dbg, "alloc_atomic", 0));
	EXPECT_EQ(-EINVAL, write_count(self->dbg, "alloc_atomic", self->count + 1));
	EXPECT_EQ(self->count - held, read_long(self->sys, "free_pages"));
	ASSERT_EQ(0, write_count(self->dbg, "free", held));
	EXPECT_EQ(self->count, read_long(self->sys, "free_pages"));
}

/* The whole region, then nothing more, then all of it back. */
TEST_F(region, whole_region)
{
	long fail0 = read_long(self->sys, "alloc_pages_fail");

	ASSERT_EQ(0, write_count(self->dbg, "alloc", self->count));
	EXPECT_EQ(0, read_long(self->sys, "free_pages"));
	EXPECT_EQ(-ENOMEM, write_count(self->dbg, "alloc", 1));
	EXPECT_EQ(fail0 + 1, read_long(self->sys, "alloc_pages_fail"));
	ASSERT_EQ(0, write_count(self->dbg, "free", self->count));
	EXPECT_EQ(self->count, read_long(self->sys, "free_pages"));
}

/*
 * MemFree does not count the region: taking half of it moves MemFree by
 * far less than that (only the noise of other allocations).
 */
TEST_F(region, not_in_memfree)
{
	long half = self->count / 2, m0, m1;

	m0 = meminfo_pages("MemFree");
	ASSERT_EQ(0, write_count(self->dbg, "alloc", half));
	m1 = meminfo_pages("MemFree");
	ASSERT_EQ(0, write_count(self->dbg, "free", half));
	TH_LOG("MemFree %ld -> %ld pages while %ld region pages were taken",
	       m0, m1, half);
	EXPECT_LT(labs(m0 - m1), half / 8);
}

/* /proc/meminfo has the exclusive regions' own lines, exact. */
TEST_F(region, meminfo_exclusive)
{
	long total = meminfo_pages("CmaExclusiveTotal");
	long free0 = meminfo_pages("CmaExclusiveFree");

	ASSERT_GE(total, self->count);
	ASSERT_GE(free0, self->count);
	ASSERT_EQ(0, write_count(self->dbg, "alloc", 1000));
	EXPECT_EQ(free0 - 1000, meminfo_pages("CmaExclusiveFree"));
	ASSERT_EQ(0, write_count(self->dbg, "free", 1000));
	EXPECT_EQ(free0, meminfo_pages("CmaExclusiveFree"));
	EXPECT_EQ(total, meminfo_pages("CmaExclusiveTotal"));
}

/*
 * A <size>[@<base>] as the kernel's memparse() reads it: a number, an
 * optional K/M/G/T/P/E suffix; the size not zero.
 */
static bool mem_ok(const char *s, const char **rest)
{
	char *end;

	strtoull(s, &end, 0);
	if (end == s)
		return false;
	if (*end && strchr("KMGTPEkmgtpe", *end))
		end++;
	*rest = end;
	return true;
}

static bool size_ok(const char *s)
{
	const char *rest;

	if (!mem_ok(s, &rest) || strtoull(s, NULL, 0) == 0)
		return false;
	if (*rest == '@' && !mem_ok(rest + 1, &rest))
		return false;
	return *rest == '\0';
}

/*
 * Every well-formed exclusive entry of cma_region= on the command line is
 * an exclusive area; every malformed one (bad size, unknown mode, missing
 * fields) was refused at boot and left no area behind.
 */
TEST(boot_entries)
{
	char cmdline[4096], *p, *list, *spec, *save = NULL;
	int fd = open("/proc/cmdline", O_RDONLY), checked = 0;
	ssize_t n;

	ASSERT_GE(fd, 0);
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	ASSERT_GT(n, 0);
	cmdline[n] = '\0';
	p = strstr(cmdline, "cma_region=");
	if (!p)
		SKIP(return, "no cma_region= on the command line");
	list = p + strlen("cma_region=");
	list[strcspn(list, "\n ")] = '\0';

	for (spec = strtok_r(list, ",", &save); spec;
	     spec = strtok_r(NULL, ",", &save)) {
		char name[128] = "", size[64] = "", mode[64] = "", dir[512];
		char got[32];
		bool valid;
		int fields;

		fields = sscanf(spec, "%127[^:]:%63[^:]:%63s", name, size, mode);
		valid = fields == 3 && size_ok(size) &&
			(!strcmp(mode, "exclusive") || !strcmp(mode, "sticky"));
		snprintf(dir, sizeof(dir), "%s/%s", CMA_SYSFS, name);
		if (valid) {
			EXPECT_EQ(0, read_str(dir, "mode", got, sizeof(got)));
			EXPECT_STREQ(mode, got);
		} else {
			EXPECT_EQ(-ENOENT, read_str(dir, "mode", got, sizeof(got)));
		}
		TH_LOG("cma_region entry '%s': %s", spec,
		       valid ? mode : "refused");
		checked++;
	}
	EXPECT_GT(checked, 0);
}

TEST_HARNESS_MAIN
