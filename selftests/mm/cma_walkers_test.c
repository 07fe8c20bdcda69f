// SPDX-License-Identifier: GPL-2.0
/*
 * Pfn walkers of the kernel driven over CMA regions from user space
 * (CONFIG_CMA_STICKY): memory offlining, /sys/kernel/debug/page_owner, and
 * free page reporting to a virtio-balloon device.  None of them may take,
 * count or report a page of an exclusive region; after each, the kernel's
 * free-list checker (/sys/kernel/debug/cma_region_check) finds nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "cma_util.h"

#define MEMORY_SYSFS "/sys/devices/system/memory"
#define KPF_UPTODATE 0x8ULL	/* bit 3 */
#define KPF_BUDDY 0x400ULL	/* bit 10 */
#define MAX_AREAS 16

struct area {
	char name[NAME_MAX + 1];
	char sys[PATH_MAX];
	char dbg[PATH_MAX];
	bool exclusive;
	long base;
	long count;
};

/* The CMA areas that are regions (their sysfs "mode" is not "cma"). */
static int regions(struct area *a, int max)
{
	DIR *d = opendir(CMA_SYSFS);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		char mode[32];

		if (de->d_name[0] == '.')
			continue;
		snprintf(a[n].name, sizeof(a[n].name), "%s", de->d_name);
		snprintf(a[n].sys, sizeof(a[n].sys), "%s/%s", CMA_SYSFS, de->d_name);
		snprintf(a[n].dbg, sizeof(a[n].dbg), "%s/%s", CMA_DEBUGFS, de->d_name);
		if (read_str(a[n].sys, "mode", mode, sizeof(mode)) ||
		    (strcmp(mode, "exclusive") && strcmp(mode, "sticky")))
			continue;
		a[n].exclusive = !strcmp(mode, "exclusive");
		a[n].base = read_long(a[n].dbg, "base_pfn");
		a[n].count = read_long(a[n].dbg, "count");
		if (a[n].base > 0 && a[n].count > 0)
			n++;
	}
	closedir(d);
	return n;
}

/* The kernel's free-list checker: inconsistencies found, -1 unreadable. */
static long checker(void)
{
	return read_long("/sys/kernel/debug", "cma_region_check");
}

/* Bracket reports the kernel prints on purpose (scripts/judge.sh). */
static void mark_log(const char *s)
{
	if (write_str("/dev", "kmsg", s))
		perror("kmsg");
}

/*
 * Whether [start, end) (bytes) lies inside one "System RAM" range of
 * /proc/iomem: offline_pages() refuses a block with holes before any pfn
 * walker runs, which says nothing about the region.
 */
static bool all_ram(unsigned long long start, unsigned long long end)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long lo, hi;
	char line[256];
	bool ok = false;

	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &lo, &hi) == 2)
			ok = lo <= start && end - 1 <= hi;
	fclose(f);
	return ok;
}

/*
 * Offlining a memory block that holds pages of a region is refused, with
 * the region idle and with pages handed out: offline_pages() would isolate
 * the blocks and take their free pages off the zone's lists.  Nothing
 * changes: the block stays online and the region's free pages stay put.
 */
TEST(offline_refused)
{
	struct area a[MAX_AREAS];
	long bsize, page = sysconf(_SC_PAGESIZE);
	int n = regions(a, MAX_AREAS), i, tried = 0;

	if (n <= 0)
		SKIP(return, "no CMA region (cma_region=)");
	bsize = 0;
	{
		char buf[64];

		if (!read_str(MEMORY_SYSFS, "block_size_bytes", buf, sizeof(buf)))
			bsize = strtol(buf, NULL, 16);
	}
	if (bsize <= 0)
		SKIP(return, "no %s (CONFIG_MEMORY_HOTREMOVE)", MEMORY_SYSFS);

	for (i = 0; i < n; i++) {
		long per = bsize / page, held = a[i].exclusive ? 16 : 0, blk;

		if (held)
			ASSERT_EQ(0, write_count(a[i].dbg, "alloc", held));
		for (blk = a[i].base / per; blk * per < a[i].base + a[i].count; blk++) {
			long free0 = read_long(a[i].sys, "free_pages");
			char dir[PATH_MAX], state[32];
			int ret;

			snprintf(dir, sizeof(dir), "%s/memory%ld", MEMORY_SYSFS, blk);
			if (read_str(dir, "state", state, sizeof(state)) ||
			    strcmp(state, "online"))
				continue;
			if (!all_ram(blk * bsize, (blk + 1) * bsize)) {
				TH_LOG("%s: memory%ld has holes, not tried",
				       a[i].name, blk);
				continue;
			}
			/* only then can only the region be what refuses */
			if (blk * per < a[i].base ||
			    (blk + 1) * per > a[i].base + a[i].count) {
				TH_LOG("%s: memory%ld is not all the region's, not tried",
				       a[i].name, blk);
				continue;
			}
			mark_log("CMA_STICKY_EXPECT_WARN_BEGIN\n");
			ret = write_str(dir, "state", "offline");
			mark_log("CMA_STICKY_EXPECT_WARN_END\n");
			TH_LOG("%s (%s): offline memory%ld: %s", a[i].name,
			       a[i].exclusive ? "exclusive" : "sticky", blk,
			       ret ? strerror(-ret) : "done");
			EXPECT_EQ(-EBUSY, ret);
			if (!ret)
				write_str(dir, "state", "online");
			ASSERT_EQ(0, read_str(dir, "state", state, sizeof(state)));
			EXPECT_STREQ("online", state);
			if (a[i].exclusive)
				EXPECT_EQ(free0, read_long(a[i].sys, "free_pages"));
			EXPECT_EQ(0, checker());
			tried++;
		}
		if (held)
			ASSERT_EQ(0, write_count(a[i].dbg, "free", held));
	}
	ASSERT_GT(tried, 0);
}

/* page_owner records whose pfn lies in [base, base + count). */
static long owner_records(long base, long count)
{
	static char buf[1 << 16];
	int fd = open("/sys/kernel/debug/page_owner", O_RDONLY);
	long n = 0;
	ssize_t got;

	if (fd < 0)
		return -1;
	/* the file offset is the pfn to go on from */
	if (lseek(fd, base, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	while ((got = read(fd, buf, sizeof(buf) - 1)) > 0) {
		char *p = buf;
		long pfn = -1;

		buf[got] = '\0';
		while ((p = strstr(p, "PFN "))) {
			pfn = strtol(p + 4, &p, 0);
			n += pfn >= base && pfn < base + count;
		}
		if (pfn >= base + count)
			break;
	}
	close(fd);
	return n;
}

/*
 * /sys/kernel/debug/page_owner walks every pfn: an exclusive region shows
 * exactly the pages it has handed out, one record each, and none of its
 * free pages.
 */
TEST(page_owner)
{
	struct area a[MAX_AREAS];
	int n = regions(a, MAX_AREAS), i, tried = 0;

	if (n <= 0)
		SKIP(return, "no CMA region (cma_region=)");
	if (owner_records(0, 1) < 0)
		SKIP(return, "no page_owner (CONFIG_PAGE_OWNER, page_owner=on)");

	for (i = 0; i < n; i++) {
		static const long counts[] = { 1, 100, 1024 };
		unsigned int k;

		if (!a[i].exclusive)
			continue;
		ASSERT_EQ(a[i].count, read_long(a[i].sys, "free_pages"));
		EXPECT_EQ(0, owner_records(a[i].base, a[i].count));
		for (k = 0; k < ARRAY_SIZE(counts); k++) {
			long got;

			ASSERT_EQ(0, write_count(a[i].dbg, "alloc", counts[k]));
			got = owner_records(a[i].base, a[i].count);
			TH_LOG("%s: %ld pages handed out, %ld page_owner records",
			       a[i].name, counts[k], got);
			EXPECT_EQ(counts[k], got);
			ASSERT_EQ(0, write_count(a[i].dbg, "free", counts[k]));
			EXPECT_EQ(0, owner_records(a[i].base, a[i].count));
		}
		EXPECT_EQ(0, checker());
		tried++;
	}
	ASSERT_GT(tried, 0);
}

/*
 * Free blocks of [base, base + count) reported to the host (their heads), from
 * /proc/kpageflags (which ends at the last pfn: a short read ends the walk).
 */
static long reported(long base, long count)
{
	static uint64_t buf[4096];
	long n = 0, done = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return -1;
	while (done < count) {
		long want = count - done < 4096 ? count - done : 4096, i;
		ssize_t got = pread(fd, buf, want * 8, (base + done) * 8);

		if (got <= 0)
			break;
		want = got / 8;
		/* a reported free page is a buddy head with PG_reported */
		for (i = 0; i < want; i++)
			n += (buf[i] & (KPF_BUDDY | KPF_UPTODATE)) ==
			     (KPF_BUDDY | KPF_UPTODATE);
		done += want;
	}
	close(fd);
	return n;
}

/* A virtio-balloon device bound to its driver. */
static bool have_balloon(void)
{
	DIR *d = opendir("/sys/bus/virtio/drivers/virtio_balloon");
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while ((de = readdir(d)))
		found |= !strncmp(de->d_name, "virtio", 6);
	closedir(d);
	return found;
}

/*
 * Free page reporting (virtio-balloon, free-page-reporting=on) takes free
 * pages of the zone's lists off them, reports them to the host, which
 * discards their contents, and puts them back.  It must report the zone's
 * pages and never an exclusive region's, whose contents a device may be
 * about to be given.
 */
TEST(free_page_reporting)
{
	long len = 64L << 20, zone = 0, in = 0;
	struct area a[MAX_AREAS];
	int n = regions(a, MAX_AREAS), i, tries;
	char *p;

	if (n <= 0)
		SKIP(return, "no CMA region (cma_region=)");
	if (!have_balloon())
		SKIP(return, "no virtio-balloon (-device virtio-balloon-pci,...)");

	/* free region pages at every order, and large blocks to the zone */
	for (i = 0; i < n; i++) {
		if (!a[i].exclusive)
			continue;
		ASSERT_EQ(0, write_count(a[i].dbg, "alloc", a[i].count));
		ASSERT_EQ(0, write_count(a[i].dbg, "free", a[i].count));
	}
	for (tries = 0; tries < 10; tries++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		ASSERT_NE(MAP_FAILED, p);
		memset(p, 0x5a, len);
		munmap(p, len);
		sleep(3);	/* page_reporting_delay is 2 s */

		zone = reported(0, LONG_MAX / 8);
		in = 0;
		for (i = 0; i < n; i++)
			if (a[i].exclusive)
				in += reported(a[i].base, a[i].count);
		TH_LOG("try %d: %ld free blocks reported, %ld of them in exclusive regions",
		       tries, zone, in);
		if (zone > 0)
			break;
	}
	EXPECT_GT(zone, 0);
	EXPECT_EQ(0, in);
	EXPECT_EQ(0, checker());
}

TEST_HARNESS_MAIN
