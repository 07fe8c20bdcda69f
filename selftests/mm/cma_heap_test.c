// SPDX-License-Identifier: GPL-2.0
/*
 * CMA regions (CONFIG_CMA_STICKY) through their dma-buf heaps: every
 * region has /dev/dma_heap/<area>, allocating in the region's mode.  A
 * buffer is mapped, written, seen by a forked child, and stays valid after
 * its fd is closed until the last munmap(); then the region has it back,
 * to the page.  Two processes allocate buffers of random sizes at once.
 * Bad requests get the errno of the upstream heap and take nothing.
 *
 * Only the upstream UAPI is used (linux/dma-heap.h, linux/dma-buf.h).
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
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "../kselftest_harness.h"
#include "cma_util.h"

#define HEAP_DIR "/dev/dma_heap"
#define MAX_REGIONS 8

struct region {
	char name[NAME_MAX + 1];
	char sys[PATH_MAX];
	bool exclusive;
};

/* Every area whose mode is sticky or exclusive. */
static int find_regions(struct region *r)
{
	struct dirent *de;
	char mode[32];
	int n = 0;
	DIR *d = opendir(CMA_SYSFS);

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MAX_REGIONS) {
		char dir[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", CMA_SYSFS, de->d_name);
		if (read_str(dir, "mode", mode, sizeof(mode)))
			continue;
		if (strcmp(mode, "sticky") && strcmp(mode, "exclusive"))
			continue;
		snprintf(r[n].name, sizeof(r[n].name), "%s", de->d_name);
		snprintf(r[n].sys, sizeof(r[n].sys), "%s", dir);
		r[n].exclusive = !strcmp(mode, "exclusive");
		n++;
	}
	closedir(d);
	return n;
}

/* What the region has handed out and not had back, in pages. */
static long outstanding(const struct region *r)
{
	return read_long(r->sys, "alloc_pages_success") -
	       read_long(r->sys, "release_pages_success");
}

static int heap_open(const struct region *r)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", HEAP_DIR, r->name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* DMA_HEAP_IOCTL_ALLOC; the buffer's fd, or -errno. */
static int heap_alloc(int heap, uint64_t len, uint32_t fd_flags,
		      uint64_t heap_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return data.fd;
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += 64)
		p[i] = (uint8_t)(seed + i / 64);
}

static bool check(const uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += 64)
		if (p[i] != (uint8_t)(seed + i / 64))
			return false;
	return true;
}

/* The kernel's free-list checker: 0 inconsistencies, or -1 unreadable. */
static long checker(void)
{
	return read_long("/sys/kernel/debug", "cma_region_check");
}

FIXTURE(heap) {
	struct region r[MAX_REGIONS];
	int n;
};

FIXTURE_SETUP(heap)
{
	self->n = find_regions(self->r);
	if (!self->n)
		SKIP(return, "no sticky or exclusive CMA area");
}

FIXTURE_TEARDOWN(heap)
{
}

/* One heap per region, named after the area. */
TEST_F(heap, one_heap_per_region)
{
	int i;

	for (i = 0; i < self->n; i++) {
		int fd = heap_open(&self->r[i]);

		EXPECT_LE(0, fd) TH_LOG("no %s/%s", HEAP_DIR, self->r[i].name);
		if (fd >= 0)
			close(fd);
	}
}

/*
 * Per region: a 4 MiB buffer mapped and written; a forked child reads it
 * and writes its own mark; the fd closed while mapped keeps the pages the
 * buffer's until munmap(); then everything is back, to the page.
 */
TEST_F(heap, map_fork_close_munmap)
{
	const size_t len = 4 << 20;
	const long pages = len / sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < self->n; i++) {
		struct region *r = &self->r[i];
		long out0 = outstanding(r), free0 = read_long(r->sys, "free_pages");
		int heap = heap_open(r), fd, status;
		uint8_t *p;
		pid_t pid;

		ASSERT_LE(0, heap);
		fd = heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fd) TH_LOG("%s: alloc: %s", r->name, strerror(-fd));
		EXPECT_EQ(out0 + pages, outstanding(r)) TH_LOG("%s", r->name);
		if (r->exclusive)
			EXPECT_EQ(free0 - pages, read_long(r->sys, "free_pages"));

		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(0, sync_buf(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		/* the heap hands out zeroed memory */
		EXPECT_EQ(0, p[0] | p[len / 2] | p[len - 1]);
		fill(p, len, 7 + i);
		EXPECT_EQ(0, sync_buf(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));

		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			bool ok = check(p, len, 7 + i);

			p[1] = 0xa5;	/* seen by the parent: shared */
			_exit(ok ? 0 : 1);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("%s: the child did not see the pattern", r->name);
		EXPECT_EQ(0xa5, p[1]);

		/* closed, still mapped: the pages stay the buffer's */
		close(fd);
		close(heap);
		EXPECT_TRUE(check(p, len, 7 + i));
		EXPECT_EQ(out0 + pages, outstanding(r)) TH_LOG("%s", r->name);
		if (r->exclusive)
			EXPECT_EQ(free0 - pages, read_long(r->sys, "free_pages"));

		/* the last reference goes: the region has every page back */
		ASSERT_EQ(0, munmap(p, len));
		EXPECT_EQ(out0, outstanding(r)) TH_LOG("%s", r->name);
		if (r->exclusive)
			EXPECT_EQ(free0, read_long(r->sys, "free_pages"))
				TH_LOG("%s", r->name);
	}
	EXPECT_EQ(0, checker());
}

/* One process's share of random_sizes: @rounds buffers, 8 held at once. */
static int churn(struct region *r, int n, unsigned int seed, int rounds)
{
	const long psz = sysconf(_SC_PAGESIZE);
	struct { int fd; uint8_t *p; size_t len; unsigned int tag; } held[8] = {};
	int heaps[MAX_REGIONS], i, k, slot, bad = 0;

	srand(seed);
	for (i = 0; i < n; i++) {
		heaps[i] = heap_open(&r[i]);
		if (heaps[i] < 0)
			return 1;
	}
	for (k = 0; k < rounds; k++) {
		size_t len = (size_t)(1 + rand() % 64) * psz;

		slot = k % 8;

		if (held[slot].p) {
			bad += !check(held[slot].p, held[slot].len, held[slot].tag);
			munmap(held[slot].p, held[slot].len);
			close(held[slot].fd);
			held[slot].p = NULL;
		}
		held[slot].fd = heap_alloc(heaps[rand() % n], len, O_RDWR, 0);
		if (held[slot].fd < 0) {
			bad += held[slot].fd != -ENOMEM;
			continue;
		}
		held[slot].p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				    held[slot].fd, 0);
		if (held[slot].p == MAP_FAILED) {
			close(held[slot].fd);
			held[slot].p = NULL;
			bad++;
			continue;
		}
		held[slot].len = len;
		held[slot].tag = seed + k;
		fill(held[slot].p, len, held[slot].tag);
	}
	for (slot = 0; slot < 8; slot++) {
		if (!held[slot].p)
			continue;
		bad += !check(held[slot].p, held[slot].len, held[slot].tag);
		munmap(held[slot].p, held[slot].len);
		close(held[slot].fd);
	}
	return bad ? 1 : 0;
}

/* Two processes, random sizes from every region at once; all back after. */
TEST_F(heap, random_sizes_two_processes)
{
	long out0[MAX_REGIONS], free0[MAX_REGIONS];
	int i, status;
	pid_t pid[2];

	for (i = 0; i < self->n; i++) {
		out0[i] = outstanding(&self->r[i]);
		free0[i] = read_long(self->r[i].sys, "free_pages");
	}
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(churn(self->r, self->n, 1000u * (i + 1), 300));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("child %d: a pattern differed or an alloc failed oddly", i);
	}
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ(out0[i], outstanding(&self->r[i])) TH_LOG("%s", self->r[i].name);
		if (self->r[i].exclusive)
			EXPECT_EQ(free0[i], read_long(self->r[i].sys, "free_pages"))
				TH_LOG("%s", self->r[i].name);
	}
	EXPECT_EQ(0, checker());
}

/*
 * Bad requests: the errno the upstream heap gives (EINVAL for a zero
 * length, unknown fd or heap flags, a set fd field; ENOMEM for more than
 * the region holds), and nothing taken.
 */
TEST_F(heap, bad_input)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct region *r = &self->r[i];
		long out0 = outstanding(r), free0 = read_long(r->sys, "free_pages");
		char dbg[PATH_MAX];
		long size;
		struct dma_heap_allocation_data data = { .len = 4096, .fd = 3,
							 .fd_flags = O_RDWR };
		int heap = heap_open(r);

		snprintf(dbg, sizeof(dbg), "%s/%s", CMA_DEBUGFS, r->name);
		size = read_long(dbg, "count");
		ASSERT_LE(0, heap);
		ASSERT_LT(0, size) TH_LOG("%s: no count", r->name);
		EXPECT_EQ(-EINVAL, heap_alloc(heap, 0, O_RDWR, 0));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, 4096, O_RDWR | O_APPEND, 0));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, 4096, O_RDWR, 1));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, 4096, O_RDWR, ~0ULL));
		EXPECT_EQ(-1, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-ENOMEM, heap_alloc(heap, (size + 1) * 4096ULL, O_RDWR, 0));
		EXPECT_EQ(-ENOMEM, heap_alloc(heap, 1ULL << 40, O_RDWR, 0));
		EXPECT_EQ(out0, outstanding(r)) TH_LOG("%s", r->name);
		if (r->exclusive)
			EXPECT_EQ(free0, read_long(r->sys, "free_pages"));
		close(heap);
	}
	EXPECT_EQ(0, checker());
}

TEST_HARNESS_MAIN
