// SPDX-License-Identifier: GPL-2.0
/*
 * Sticky CMA regions (CONFIG_CMA_STICKY) seen from user space, on the area
 * named "shared" (boot with cma_region=shared:256M:sticky):
 *
 * - movable memory (anon and tmpfs) fills the region first, no unmovable
 *   page is ever placed in it, and the device can still take all of it;
 * - a workload that needs most of the region runs in it without waking
 *   kswapd; switched to exclusive, the region's memory leaves MemTotal;
 * - FOLL_LONGTERM pins migrate the pages out of the region first;
 * - the region switches live between sticky and exclusive under memory
 *   pressure with an allocation outstanding, every counter exact;
 * - a switch that cannot vacate fails with EBUSY and changes nothing; one
 *   the zone cannot absorb (an mlocked hog) fails with ENOMEM at once and
 *   kills no one; the pages it migrates land in no other sticky region;
 * - after a switch the zones' lowmem reserves match their managed pages;
 * - switches under device allocations, memory churn, THP and compaction
 *   for CMA_STRESS_SECONDS (120 by default) leave every counter exact;
 * - bad writes to the mode file get a clear errno.
 *
 * Page placement is read from /proc/self/pagemap and /proc/kpageflags.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/dma-heap.h>
#include <linux/types.h>

#include "../kselftest_harness.h"
#include "../../../../mm/gup_test.h"
#include "cma_util.h"

#define AREA "shared"
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_PGTABLE	26
#define KPF_RESERVED	32

static long page_size;

static long meminfo_pages(const char *name)
{
	long kb = meminfo_kb(name);

	return kb < 0 ? -1 : kb / (page_size / 1024);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* How many of the pages of [addr, addr + len) lie in [base, base + count). */
static long pages_in(void *addr, size_t len, unsigned long base,
		     unsigned long count)
{
	size_t i, n = len / page_size;
	uint64_t *pfn = calloc(n, sizeof(*pfn));
	long in = 0;

	if (!pfn || pagemap_pfns(addr, n, pfn)) {
		free(pfn);
		return -1;
	}
	for (i = 0; i < n; i++)
		in += pfn[i] >= base && pfn[i] < base + count;
	free(pfn);
	return in;
}

static void *map_touch(size_t len, int fd, unsigned char seed)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED,
				fd, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < len; i += page_size)
		p[i] = (unsigned char)(seed + i / page_size);
	return p;
}

static bool check_pattern(unsigned char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i += page_size)
		if (p[i] != (unsigned char)(seed + i / page_size))
			return false;
	return true;
}

FIXTURE(sticky) {
	char dbg[PATH_MAX];
	char sys[PATH_MAX];
	char borrowed[PATH_MAX];	/* an exclusive area made sticky */
	unsigned long base, count;
	pid_t churn;
	long held;
};

FIXTURE_SETUP(sticky)
{
	char mode[32];

	page_size = sysconf(_SC_PAGESIZE);
	snprintf(self->sys, sizeof(self->sys), "%s/%s", CMA_SYSFS, AREA);
	snprintf(self->dbg, sizeof(self->dbg), "%s/%s", CMA_DEBUGFS, AREA);
	if (read_str(self->sys, "mode", mode, sizeof(mode)))
		SKIP(return, "no CMA area '%s' (cma_region=%s:256M:sticky)", AREA, AREA);
	ASSERT_STREQ("sticky", mode);
	self->base = read_long(self->dbg, "base_pfn");
	self->count = read_long(self->dbg, "count");
	ASSERT_GT(self->count, 0);
}

FIXTURE_TEARDOWN(sticky)
{
	if (self->churn > 0) {
		kill(self->churn, SIGKILL);
		waitpid(self->churn, NULL, 0);
	}
	write_str(self->sys, "mode", "sticky");
	if (self->borrowed[0])
		write_str(self->borrowed, "mode", "exclusive");
	if (self->held)
		write_count(self->dbg, "free", self->held);
}

/*
 * Fill the region with anon and tmpfs pages, walk it: no unmovable page;
 * then the device takes the whole region, and the data is intact.
 */
TEST_F_TIMEOUT(sticky, fill_then_take_all, 600)
{
	size_t half = self->count / 2 * page_size;
	long free0 = read_long(self->sys, "free_pages"), in_anon, in_tmpfs;
	long mig0 = vmstat_read("pgmigrate_success"), bad = 0, buddy = 0;
	int memfd = memfd_create("cma_sticky_test", 0);
	unsigned char *anon, *tmpfs;
	double t;

	ASSERT_GE(memfd, 0);
	ASSERT_EQ(0, ftruncate(memfd, half));
	anon = map_touch(half, -1, 1);
	tmpfs = map_touch(half, memfd, 2);
	ASSERT_NE(NULL, anon);
	ASSERT_NE(NULL, tmpfs);
	in_anon = pages_in(anon, half, self->base, self->count);
	in_tmpfs = pages_in(tmpfs, half, self->base, self->count);
	TH_LOG("region %lu pages, %ld free before", self->count, free0);
	TH_LOG("anon %ld/%zu and tmpfs %ld/%zu pages in it, %ld free now",
	       in_anon, half / page_size, in_tmpfs, half / page_size,
	       read_long(self->sys, "free_pages"));
	/* sticky first: the region is (nearly) full of the two */
	EXPECT_GE(in_anon + in_tmpfs, free0 * 9 / 10);

	bad = kpageflags_count(self->base, self->count, (1ULL << KPF_SLAB) |
			       (1ULL << KPF_PGTABLE) | (1ULL << KPF_RESERVED));
	buddy = kpageflags_count(self->base, self->count, 1ULL << KPF_BUDDY);
	ASSERT_GE(buddy, 0);
	EXPECT_EQ(0, bad);

	t = now_ms();
	ASSERT_EQ(0, write_count(self->dbg, "alloc", self->count));
	t = now_ms() - t;
	TH_LOG("whole region (%lu MiB) allocated in %.1f ms: %ld pages migrated",
	       self->count * page_size >> 20, t, vmstat_read("pgmigrate_success") - mig0);
	EXPECT_GE(vmstat_read("pgmigrate_success") - mig0, in_anon + in_tmpfs);
	EXPECT_EQ(0, read_long(self->sys, "free_pages"));
	EXPECT_EQ(0, pages_in(anon, half, self->base, self->count));
	EXPECT_EQ(0, pages_in(tmpfs, half, self->base, self->count));
	EXPECT_TRUE(check_pattern(anon, half, 1));
	EXPECT_TRUE(check_pattern(tmpfs, half, 2));
	ASSERT_EQ(0, write_count(self->dbg, "free", self->count));

	munmap(anon, half);
	munmap(tmpfs, half);
	close(memfd);
}

/*
 * The region's free pages once the previous case's frees have settled:
 * pages freed a moment ago may still sit on the per-cpu lists, which the
 * vmstat worker trims every second.  At most 5 s.
 */
static long settled_free(const char *sys)
{
	long free = read_long(sys, "free_pages"), prev = -1;
	int i;

	for (i = 0; i < 25 && free != prev; i++) {
		struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };

		prev = free;
		nanosleep(&ts, NULL);
		free = read_long(sys, "free_pages");
	}
	return free;
}

/*
 * Pages on the per-cpu lists of every zone (/proc/zoneinfo "count:"): an
 * allocation takes them first, wherever they were freed.
 */
static long pcp_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long n = 0, c;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &c) == 1)
			n += c;
	fclose(f);
	return n;
}

/* Run a child that maps and touches @len of anon memory; pages in region. */
static long workload(size_t len, unsigned long base, unsigned long count,
		     int *status)
{
	int fds[2];
	long in = -1;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		unsigned char *p = map_touch(len, -1, 3);

		in = p ? pages_in(p, len, base, count) : -1;
		if (write(fds[1], &in, sizeof(in)) != sizeof(in))
			_exit(2);
		_exit(p && check_pattern(p, len, 3) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &in, sizeof(in)) != sizeof(in))
		in = -1;
	close(fds[0]);
	waitpid(pid, status, 0);
	return in;
}

/*
 * The utilization scenario: a workload needing 90% of the region's free
 * memory runs in the region without waking kswapd and without OOM; with
 * the region exclusive, the region's memory has left MemTotal and the same
 * workload runs outside it.
 */
TEST_F_TIMEOUT(sticky, utilization, 600)
{
	long total0 = meminfo_pages("MemTotal"), avail0 = meminfo_pages("MemAvailable");
	long free0 = settled_free(self->sys);
	size_t len = free0 * 9 / 10 * page_size;
	long kswapd0 = vmstat_read("pageoutrun"), oom0 = vmstat_read("oom_kill");
	long scan0 = vmstat_read("pgscan_kswapd"), in, avail_x, pcp0;
	int status;

	ASSERT_GT(free0, (long)self->count / 2);
	pcp0 = pcp_pages();
	in = workload(len, self->base, self->count, &status);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("sticky: workload of %zu MiB: %.1f%% of it in the region",
	       len >> 20, 100.0 * in / (len / page_size));
	TH_LOG("sticky: kswapd runs %ld, pages scanned %ld, OOM kills %ld",
	       vmstat_read("pageoutrun") - kswapd0,
	       vmstat_read("pgscan_kswapd") - scan0,
	       vmstat_read("oom_kill") - oom0);
	TH_LOG("sticky: %ld pages on the per-cpu lists before", pcp0);
	/* what the per-cpu lists held came first, from anywhere */
	EXPECT_GE(in * 100, ((long)(len / page_size) - pcp0) * 95);
	EXPECT_EQ(0, vmstat_read("pageoutrun") - kswapd0);
	EXPECT_EQ(0, vmstat_read("oom_kill") - oom0);

	ASSERT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	EXPECT_EQ(total0 - (long)self->count, meminfo_pages("MemTotal"));
	/*
	 * The region's free pages leave MemAvailable.  It also counts page
	 * cache and the reserves, which move by tens of MiB across a switch
	 * (seen: 37 MiB of a 256 MiB region), so allow a quarter of them.
	 */
	avail_x = meminfo_pages("MemAvailable");
	EXPECT_LE(avail_x, avail0 - free0 * 3 / 4);
	kswapd0 = vmstat_read("pageoutrun");
	in = workload(len, self->base, self->count, &status);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, in);
	TH_LOG("exclusive: MemTotal -%lu MiB, MemAvailable %ld -> %ld MiB",
	       self->count * page_size >> 20, avail0 * page_size >> 20,
	       avail_x * page_size >> 20);
	TH_LOG("exclusive: the workload ran outside the region, kswapd runs %ld",
	       vmstat_read("pageoutrun") - kswapd0);
	ASSERT_EQ(0, write_str(self->sys, "mode", "sticky"));
	EXPECT_EQ(total0, meminfo_pages("MemTotal"));
}

/* FOLL_LONGTERM pins (gup_test) move the pages out of the region first. */
TEST_F(sticky, longterm_pin_migrates)
{
	static const __u32 flags[] = { PIN_LONGTERM_TEST_FLAG_USE_WRITE,
		PIN_LONGTERM_TEST_FLAG_USE_WRITE | PIN_LONGTERM_TEST_FLAG_USE_FAST };
	/*
	 * Far more than the pcp lists hold: after the previous cases they may
	 * cache thousands of pages from outside the region, which a small
	 * mapping gets before any sticky block.
	 */
	size_t len = 64UL << 20;
	unsigned int i;
	int gup;

	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		SKIP(return, "no /sys/kernel/debug/gup_test (CONFIG_GUP_TEST)");
	for (i = 0; i < 2; i++) {
		struct pin_longterm_test args = { .size = len, .flags = flags[i] };
		unsigned char *p = map_touch(len, -1, 4);
		long before, after;

		ASSERT_NE(NULL, p);
		before = pages_in(p, len, self->base, self->count);
		args.addr = (uintptr_t)p;
		ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_START, &args));
		after = pages_in(p, len, self->base, self->count);
		TH_LOG("pin (flags %u): %ld of %zu pages in the region before, %ld after",
		       flags[i], before, len / page_size, after);
		EXPECT_GE(before, (long)(len / page_size) / 2);
		EXPECT_EQ(0, after);
		EXPECT_TRUE(check_pattern(p, len, 4));
		ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_STOP));
		munmap(p, len);
	}
	close(gup);
}

/* Sum of free_pages of the other exclusive areas. */
static long other_exclusive_free(const char *self_name)
{
	struct dirent *de;
	long sum = 0;
	DIR *d;

	d = opendir(CMA_SYSFS);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char dir[PATH_MAX], mode[32];

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", CMA_SYSFS, de->d_name);
		if (!read_str(dir, "mode", mode, sizeof(mode)) &&
		    !strcmp(mode, "exclusive"))
			sum += read_long(dir, "free_pages");
	}
	closedir(d);
	return sum;
}

/*
 * Twelve switches while a child churns anon memory and an allocation stays
 * outstanding across all of them: in exclusive mode the region, meminfo
 * and MemTotal are exact every time; back in sticky mode MemTotal and
 * CmaTotal are what they were.
 */
TEST_F_TIMEOUT(sticky, switch_under_pressure, 600)
{
	long total0 = meminfo_pages("MemTotal"), cma0 = meminfo_pages("CmaTotal");
	long xtotal0 = meminfo_pages("CmaExclusiveTotal"), held = 64;
	pid_t churn;
	char stats[128];
	double t, tx = 0, ts = 0, worst = 0;
	int i, n = 6;

	ASSERT_EQ(0, write_count(self->dbg, "alloc", held));
	self->held = held;
	churn = fork();
	if (!churn) {
		size_t len = 32UL << 20;

		/* never outlive the test, whatever ends it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			unsigned char *p = map_touch(len, -1, 5);

			if (p)
				munmap(p, len);
		}
	}
	self->churn = churn;
	for (i = 0; i < n; i++) {
		t = now_ms();
		ASSERT_EQ(0, write_str(self->sys, "mode", "exclusive"));
		t = now_ms() - t;
		tx += t;
		worst = t > worst ? t : worst;
		EXPECT_EQ((long)self->count - held, read_long(self->sys, "free_pages"));
		EXPECT_EQ(total0 - (long)self->count, meminfo_pages("MemTotal"));
		EXPECT_EQ(cma0 - (long)self->count, meminfo_pages("CmaTotal"));
		EXPECT_EQ(xtotal0 + (long)self->count, meminfo_pages("CmaExclusiveTotal"));
		EXPECT_EQ(other_exclusive_free(AREA) + (long)self->count - held,
			  meminfo_pages("CmaExclusiveFree"));

		t = now_ms();
		ASSERT_EQ(0, write_str(self->sys, "mode", "sticky"));
		t = now_ms() - t;
		ts += t;
		worst = t > worst ? t : worst;
		EXPECT_EQ(total0, meminfo_pages("MemTotal"));
		EXPECT_EQ(cma0, meminfo_pages("CmaTotal"));
		EXPECT_EQ(xtotal0, meminfo_pages("CmaExclusiveTotal"));
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	self->churn = 0;
	ASSERT_EQ(0, read_str(self->sys, "switch_stats", stats, sizeof(stats)));
	TH_LOG("%d round trips under pressure; %s", n, stats);
	TH_LOG("to exclusive %.1f ms, to sticky %.1f ms on average, worst %.1f ms",
	       tx / n, ts / n, worst);
	ASSERT_EQ(0, write_count(self->dbg, "free", held));
	self->held = 0;
}

/*
 * Pages held by a pipe (vmsplice) cannot migrate: the switch fails with
 * EBUSY and the region stays sticky, its counters unchanged.
 */
TEST_F_TIMEOUT(sticky, switch_fails_cleanly, 600)
{
	long total0 = meminfo_pages("MemTotal"), cma0 = meminfo_pages("CmaTotal");
	size_t len = 16 * page_size;
	unsigned char *p = map_touch(len, -1, 6);
	struct iovec iov = { .iov_base = p, .iov_len = len };
	char mode[32];
	int fds[2];

	ASSERT_NE(NULL, p);
	ASSERT_GT(pages_in(p, len, self->base, self->count), 0);
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ((ssize_t)len, vmsplice(fds[1], &iov, 1, 0));

	EXPECT_EQ(-EBUSY, write_str(self->sys, "mode", "exclusive"));
	ASSERT_EQ(0, read_str(self->sys, "mode", mode, sizeof(mode)));
	EXPECT_STREQ("sticky", mode);
	EXPECT_EQ(total0, meminfo_pages("MemTotal"));
	EXPECT_EQ(cma0, meminfo_pages("CmaTotal"));

	/* the pipe's references go with it */
	close(fds[0]);
	close(fds[1]);
	munmap(p, 16 * page_size);
	EXPECT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	EXPECT_EQ(0, write_str(self->sys, "mode", "sticky"));
}

/*
 * A switch the zone cannot absorb: a child holds most of memory mlocked (the
 * region full of it).  The switch must fail with ENOMEM before migrating
 * anything of consequence, change nothing, and kill no one.
 */
TEST_F_TIMEOUT(sticky, switch_refused_without_room, 600)
{
	long total0 = meminfo_pages("MemTotal"), cma0 = meminfo_pages("CmaTotal");
	long oom0 = vmstat_read("oom_kill"), mig0, mig, keep, hog;
	int ready[2], status;
	char mode[32], c = 0;
	pid_t child;

	keep = (96L << 20) / page_size;
	hog = meminfo_pages("MemFree") - keep;
	ASSERT_GT(hog, (long)self->count);
	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		size_t len = (size_t)hog * page_size;
		unsigned char *p;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mlock(p, len))
			_exit(2);
		memset(p, 7, len);
		c = 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('r', c);
	close(ready[0]);
	TH_LOG("hog of %ld MiB mlocked; region free %ld of %lu pages",
	       hog * page_size >> 20, read_long(self->sys, "free_pages"),
	       self->count);

	mig0 = vmstat_read("pgmigrate_success");
	EXPECT_EQ(-ENOMEM, write_str(self->sys, "mode", "exclusive"));
	mig = vmstat_read("pgmigrate_success") - mig0;
	TH_LOG("pages migrated meanwhile: %ld", mig);
	/* refused up front: not a region's worth of migration first */
	EXPECT_LT(mig, (long)self->count / 16);
	ASSERT_EQ(0, read_str(self->sys, "mode", mode, sizeof(mode)));
	EXPECT_STREQ("sticky", mode);
	EXPECT_EQ(total0, meminfo_pages("MemTotal"));
	EXPECT_EQ(cma0, meminfo_pages("CmaTotal"));
	EXPECT_EQ(oom0, vmstat_read("oom_kill"));
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* with the memory back the same switch goes through */
	EXPECT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	EXPECT_EQ(0, write_str(self->sys, "mode", "sticky"));
}

/*
 * An idle exclusive area other than ours, or -1: its name in @name.  It
 * serves as a second sticky region for a while.
 */
static long idle_exclusive_area(char *name, size_t size)
{
	struct dirent *de;
	long count = -1;
	DIR *d;

	d = opendir(CMA_SYSFS);
	if (!d)
		return -1;
	while (count < 0 && (de = readdir(d))) {
		char dir[PATH_MAX], dbg[PATH_MAX], mode[32];

		if (de->d_name[0] == '.' || !strcmp(de->d_name, AREA))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", CMA_SYSFS, de->d_name);
		snprintf(dbg, sizeof(dbg), "%s/%s", CMA_DEBUGFS, de->d_name);
		if (read_str(dir, "mode", mode, sizeof(mode)) ||
		    strcmp(mode, "exclusive"))
			continue;
		if (read_long(dir, "free_pages") != read_long(dbg, "count"))
			continue;
		snprintf(name, size, "%s", de->d_name);
		count = read_long(dbg, "count");
	}
	closedir(d);
	return count;
}

/*
 * The switch migrates the region's pages out with no ALLOC_CMA: none of
 * them lands in another sticky region, although movable allocations fill
 * sticky regions first.  An idle exclusive area is made sticky for the
 * test (and exclusive again at teardown, whatever happens): not one of our
 * pages may be in it, nor in our region, after the switch.
 */
TEST_F_TIMEOUT(sticky, switch_targets_outside_sticky, 600)
{
	char other[NAME_MAX + 1], odbg[PATH_MAX];
	long ocount, obase, ofree0, ofree1, in, oin, mig0, mig;
	size_t len = self->count / 2 * page_size;
	unsigned char *p;

	ocount = idle_exclusive_area(other, sizeof(other));
	if (ocount <= 0)
		SKIP(return, "no idle exclusive area to make sticky");
	snprintf(self->borrowed, sizeof(self->borrowed), "%s/%s", CMA_SYSFS, other);
	snprintf(odbg, sizeof(odbg), "%s/%s", CMA_DEBUGFS, other);
	obase = read_long(odbg, "base_pfn");
	ASSERT_GT(obase, 0);

	/* anon memory fills our region first (the other is exclusive yet) */
	p = map_touch(len, -1, 9);
	ASSERT_NE(NULL, p);
	in = pages_in(p, len, self->base, self->count);
	ASSERT_GT(in, (long)self->count / 4);
	ASSERT_EQ(0, write_str(self->borrowed, "mode", "sticky"));
	ofree0 = read_long(self->borrowed, "free_pages");

	mig0 = vmstat_read("pgmigrate_success");
	EXPECT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	mig = vmstat_read("pgmigrate_success") - mig0;
	ofree1 = read_long(self->borrowed, "free_pages");
	oin = pages_in(p, len, obase, ocount);
	TH_LOG("%ld of our pages in the region, %ld migrated; in %s: %ld (free %ld -> %ld of %ld)",
	       in, mig, other, oin, ofree0, ofree1, ocount);
	EXPECT_EQ(0, oin);
	EXPECT_EQ(0, pages_in(p, len, self->base, self->count));
	EXPECT_TRUE(check_pattern(p, len, 9));

	EXPECT_EQ(0, write_str(self->sys, "mode", "sticky"));
	EXPECT_EQ(0, write_str(self->borrowed, "mode", "exclusive"));
	EXPECT_EQ(ocount, read_long(self->borrowed, "free_pages"));
	self->borrowed[0] = 0;
	munmap(p, len);
}

#define MAX_ZONES 8

struct zones {
	int n;
	long managed[MAX_ZONES];
	long protection[MAX_ZONES][MAX_ZONES];
};

/* Node 0's zones in /proc/zoneinfo: managed pages and protection. */
static int read_zones(struct zones *z)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[512];
	int node = -1, i;

	if (!f)
		return -1;
	memset(z, 0, sizeof(*z));
	z->n = 0;
	while (fgets(line, sizeof(line), f)) {
		long v;
		char *p;

		if (sscanf(line, "Node %d, zone", &node) == 1) {
			if (node == 0 && z->n < MAX_ZONES)
				z->n++;
			continue;
		}
		if (node != 0 || !z->n)
			continue;
		if (sscanf(line, " managed %ld", &v) == 1)
			z->managed[z->n - 1] = v;
		p = strstr(line, "protection: (");
		if (p) {
			p += strlen("protection: (");
			for (i = 0; i < MAX_ZONES && *p && *p != ')'; i++) {
				z->protection[z->n - 1][i] = strtol(p, &p, 10);
				while (*p == ',' || *p == ' ')
					p++;
			}
		}
	}
	fclose(f);
	return z->n ? 0 : -1;
}

/*
 * Each zone's lowmem reserve against each higher zone, as
 * setup_per_zone_lowmem_reserve() computes it from the managed pages now:
 * the number of mismatches (each logged).
 */
static int reserves_mismatched(struct __test_metadata *_metadata, const char *when)
{
	long ratio[MAX_ZONES] = { 0 };
	struct zones z;
	int i, j, bad = 0;
	FILE *f;

	if (read_zones(&z))
		return -1;
	f = fopen("/proc/sys/vm/lowmem_reserve_ratio", "r");
	if (!f)
		return -1;
	for (i = 0; i < z.n && fscanf(f, "%ld", &ratio[i]) == 1; i++)
		;
	fclose(f);
	for (i = 0; i < z.n - 1; i++) {
		long sum = 0;

		for (j = i + 1; j < z.n; j++) {
			long want;

			sum += z.managed[j];
			want = (!ratio[i] || !z.managed[i]) ? 0 : sum / ratio[i];
			if (z.protection[i][j] != want) {
				TH_LOG("%s: zone %d's reserve for zone %d %ld, want %ld",
				       when, i, j, z.protection[i][j], want);
				bad++;
			}
		}
	}
	return bad;
}

/*
 * A switch changes the zone's managed pages by the region's size: the
 * lowmem reserves follow, as after memory hotplug or at boot.
 */
TEST_F(sticky, switch_recomputes_reserves)
{
	EXPECT_EQ(0, reserves_mismatched(_metadata, "sticky"));
	ASSERT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	EXPECT_EQ(0, reserves_mismatched(_metadata, "exclusive"));
	ASSERT_EQ(0, write_str(self->sys, "mode", "sticky"));
	EXPECT_EQ(0, reserves_mismatched(_metadata, "sticky again"));
}

/* A field of the area's switch_stats; -1 if absent. */
static long stat_field(const char *sys, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/switch_stats", sys);
	return proc_value(path, name, ' ');
}

/*
 * Until the deadline: the device allocates and releases random sizes
 * through debugfs; returns the number of pages it still holds (0), or -1.
 */
static long stress_device(const char *dbg, double end, unsigned int seed,
			  long *allocs, long *releases)
{
	static const long sizes[] = { 1, 3, 16, 100, 512, 1000, 4096 };
	long held = 0;

	while (now_ms() < end) {
		long n = sizes[rand_r(&seed) % ARRAY_SIZE(sizes)];

		if (held + n <= 8192 && !write_count(dbg, "alloc", n)) {
			held += n;
			(*allocs)++;
		}
		if (held && rand_r(&seed) % 2) {
			n = 1 + rand_r(&seed) % held;
			if (write_count(dbg, "free", n))
				return -1;
			held -= n;
			(*releases)++;
		}
	}
	if (held && write_count(dbg, "free", held))
		return -1;
	return 0;
}

/* Until the deadline: anon memory churn, THP mappings, compaction. */
/*
 * Pages of the region held by a pipe: anon pages (movable, so in the sticky
 * region first) spliced into a pipe, which holds references the switch
 * cannot migrate, for 300 ms of every second; then dropped, while the
 * switch goes on.
 */
static void stress_hold(double end)
{
	size_t len = 1UL << 20;
	static char buf[1 << 16];

	while (now_ms() < end) {
		unsigned char *p = map_touch(len, -1, 11);
		struct iovec iov = { .iov_base = p, .iov_len = len };
		int fds[2];

		if (!p || pipe(fds)) {
			if (p)
				munmap(p, len);
			usleep(100 * 1000);
			continue;
		}
		fcntl(fds[1], F_SETPIPE_SZ, (int)len);
		if (vmsplice(fds[1], &iov, 1, SPLICE_F_NONBLOCK) > 0) {
			munmap(p, len);		/* the pipe holds the pages */
			p = NULL;
			usleep(300 * 1000);
			fcntl(fds[0], F_SETFL, O_NONBLOCK);
			while (read(fds[0], buf, sizeof(buf)) > 0)
				;
		}
		close(fds[0]);
		close(fds[1]);
		if (p)
			munmap(p, len);
		usleep(700 * 1000);
	}
}

/*
 * File pages: a memfd (shmem page cache, movable) faulted in through a
 * shared mapping, read back with read(), then dropped.
 */
static void stress_page_in(size_t len)
{
	static char buf[1 << 16];
	unsigned char *p;
	size_t i;
	int fd = memfd_create("cma_stress", 0);

	if (fd < 0)
		return;
	if (ftruncate(fd, len) == 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			for (i = 0; i < len; i += page_size)
				p[i] = (unsigned char)i;
			munmap(p, len);
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
}

/*
 * Device buffers held by user mappings while the device lets them go: a
 * buffer of the region's dma-buf heap, mapped and filled, its fd closed at
 * once; the mapping alone holds it for 300 ms of switches, is checked, and
 * is dropped, which releases it to the region.  Returns the number of
 * buffers, or -1 if a pattern differed or an allocation failed oddly.
 */
static long stress_heap(double end, unsigned int seed)
{
	long n = 0;
	int heap = open("/dev/dma_heap/" AREA, O_RDONLY | O_CLOEXEC);

	if (heap < 0)
		return -1;
	while (now_ms() < end) {
		struct dma_heap_allocation_data data = {
			.len = (1 + rand_r(&seed) % 256) * page_size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		unsigned char *p;
		bool ok = true;
		size_t i;

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data)) {
			if (errno != ENOMEM)
				return -1;
			usleep(50 * 1000);
			continue;
		}
		p = mmap(NULL, data.len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 data.fd, 0);
		close(data.fd);
		if (p == MAP_FAILED)
			return -1;
		memset(p, (int)(n & 0xff), data.len);
		usleep(300 * 1000);
		for (i = 0; i < data.len; i += page_size)
			ok &= p[i] == (unsigned char)n &&
			      p[i + page_size - 1] == (unsigned char)n;
		munmap(p, data.len);
		if (!ok)
			return -1;
		n++;
	}
	close(heap);
	return n;
}

static void stress_pressure(double end, int kind)
{
	size_t len = 32UL << 20;

	while (now_ms() < end) {
		unsigned char *p;
		int fd;

		switch (kind) {
		case 0:
			p = map_touch(len, -1, 9);
			if (p)
				munmap(p, len);
			break;
		case 1:
			p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				break;
			madvise(p, len, MADV_HUGEPAGE);
			memset(p, 3, len);
			munmap(p, len);
			break;
		case 2:
			stress_hold(end);
			break;
		case 3:
			stress_page_in(len);
			break;
		case 4:
			/* not one buffer in the whole run is a failure too */
			if (stress_heap(end, 5) <= 0)
				_exit(1);
			break;
		default:
			fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
			if (fd >= 0) {
				if (write(fd, "1", 1) != 1)
					break;
				close(fd);
			}
			usleep(500 * 1000);
			break;
		}
	}
}

/*
 * The switch under everything at once, for CMA_STRESS_SECONDS (default
 * 120): a switch loop; two device processes allocating and releasing
 * random sizes of the area at once (debugfs); anon churn, THP faults,
 * pages of the region held by a pipe (vmsplice) and dropped, tmpfs pages
 * paged in through a mapping, buffers of the region's dma-buf heap held
 * by their mappings alone and dropped, and compaction.  Every switch succeeds or fails
 * cleanly (EBUSY, ENOMEM); at the end every counter is back to its value
 * before, the whole region is free when switched to exclusive, and the
 * kernel's free-list checker finds nothing.
 */
TEST_F_TIMEOUT(sticky, switch_stress, 1800)
{
	long total0 = meminfo_pages("MemTotal"), cma0 = meminfo_pages("CmaTotal");
	long xtotal0 = meminfo_pages("CmaExclusiveTotal");
	long stotal0 = meminfo_pages("CmaStickyTotal");
	long used0 = read_long(self->dbg, "used");
	long refused0 = stat_field(self->sys, "refused_releases");
	long sw = 0, busy = 0, nomem = 0, counts[2] = { 0, 0 }, left;
	const char *env = getenv("CMA_STRESS_SECONDS");
	double secs = env ? atof(env) : 120, end;
	pid_t kids[8];
	int i, ret, status, pipefd[2];

	ASSERT_GT(secs, 0);
	ASSERT_EQ(0, pipe(pipefd));
	end = now_ms() + secs * 1e3;
	for (i = 0; i < 8; i++) {
		kids[i] = fork();
		ASSERT_GE(kids[i], 0);
		if (kids[i])
			continue;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (i < 2) {
			long c[2] = { 0, 0 };

			ret = stress_device(self->dbg, end, i + 1, &c[0], &c[1]);
			if (write(pipefd[1], c, sizeof(c)) != sizeof(c))
				_exit(3);
			_exit(ret ? 1 : 0);
		}
		stress_pressure(end, i - 2);
		_exit(0);
	}
	close(pipefd[1]);

	for (i = 0; now_ms() < end; i++) {
		ret = write_str(self->sys, "mode", i % 2 ? "sticky" : "exclusive");
		if (!ret)
			sw++;
		else if (ret == -EBUSY)
			busy++;
		else if (ret == -ENOMEM)
			nomem++;
		else
			EXPECT_EQ(0, ret);
		if (ret)
			i--;	/* the same direction again */
	}
	EXPECT_EQ(0, write_str(self->sys, "mode", "sticky"));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	for (i = 0; i < 2; i++) {
		long c[2];

		EXPECT_EQ(sizeof(c), read(pipefd[0], c, sizeof(c)));
		counts[0] += c[0];
		counts[1] += c[1];
	}
	close(pipefd[0]);
	TH_LOG("%.0f s: %ld switches (refused: %ld busy, %ld no room)",
	       secs, sw, busy, nomem);
	TH_LOG("%ld allocations, %ld releases", counts[0], counts[1]);
	EXPECT_GT(sw, 2);
	EXPECT_GT(counts[0], 0);

	/*
	 * debugfs's "free" frees fewer pages than asked, silently, when the
	 * other process has an entry off the list for a partial free: what
	 * is left on the list goes now.  A range the kernel lost would not
	 * be on the list (its refused release dropped it) and stays counted.
	 */
	left = read_long(self->dbg, "used") - used0;
	if (left > 0) {
		TH_LOG("%ld pages left on the debugfs list; freeing them", left);
		EXPECT_EQ(0, write_count(self->dbg, "free", 1L << 30));
	}
	/* every counter back where it was; no release refused */
	EXPECT_EQ(refused0, stat_field(self->sys, "refused_releases"));
	EXPECT_EQ(used0, read_long(self->dbg, "used"));
	EXPECT_EQ(total0, meminfo_pages("MemTotal"));
	EXPECT_EQ(cma0, meminfo_pages("CmaTotal"));
	EXPECT_EQ(xtotal0, meminfo_pages("CmaExclusiveTotal"));
	EXPECT_EQ(stotal0, meminfo_pages("CmaStickyTotal"));
	/* exclusive: every page not held is on the region's lists */
	ASSERT_EQ(0, write_str(self->sys, "mode", "exclusive"));
	EXPECT_EQ((long)self->count - used0, read_long(self->sys, "free_pages"));
	EXPECT_EQ(other_exclusive_free(AREA) + (long)self->count - used0,
		  meminfo_pages("CmaExclusiveFree"));
	EXPECT_EQ(0, read_long("/sys/kernel/debug", "cma_region_check"));
	ASSERT_EQ(0, write_str(self->sys, "mode", "sticky"));
	EXPECT_EQ(0, read_long("/sys/kernel/debug", "cma_region_check"));
	EXPECT_EQ(total0, meminfo_pages("MemTotal"));
}

/* Bad writes: EINVAL for a bad mode, EOPNOTSUPP on a MIGRATE_CMA area. */
TEST_F(sticky, bad_input)
{
	static const char * const bad[] = { "bogus", "cma", "sticky exclusive",
					    "exclusive2", "\n" };
	char mode[32], legacy[PATH_MAX];
	unsigned int i;
	long used;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_str(self->sys, "mode", bad[i]));
		ASSERT_EQ(0, read_str(self->sys, "mode", mode, sizeof(mode)));
		EXPECT_STREQ("sticky", mode);
	}
	snprintf(legacy, sizeof(legacy), "%s/reserved", CMA_SYSFS);
	if (!read_str(legacy, "mode", mode, sizeof(mode))) {
		EXPECT_STREQ("cma", mode);
		EXPECT_EQ(-EOPNOTSUPP, write_str(legacy, "mode", "sticky"));
		EXPECT_EQ(-EOPNOTSUPP, write_str(legacy, "mode", "exclusive"));
		ASSERT_EQ(0, read_str(legacy, "mode", mode, sizeof(mode)));
		EXPECT_STREQ("cma", mode);
	}
	/* the mode it already has: accepted, nothing to do */
	EXPECT_EQ(0, write_str(self->sys, "mode", "sticky"));
	/* no allocation without sleeping from a sticky region */
	used = read_long(self->dbg, "used");
	EXPECT_EQ(-EINVAL, write_count(self->dbg, "alloc_atomic", 1));
	EXPECT_EQ(used, read_long(self->dbg, "used"));
}

TEST_HARNESS_MAIN
