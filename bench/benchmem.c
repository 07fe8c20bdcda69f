// SPDX-License-Identifier: GPL-2.0
/*
 * benchmem: the user-space side of `make bench`, run in the guest.
 *
 *   benchmem filler BASE COUNT FILL_MB CMD_FIFO ACK_FIFO
 *	Hold movable memory, half anonymous and half tmpfs (a memfd), in 2 MiB
 *	chunks.
 *	With COUNT > 0 it occupies the physical range [BASE, BASE + COUNT)
 *	(the region under test): it allocates until every page of the range
 *	holds one of its pages or memory runs low, then gives back every page
 *	that landed outside the range.  With COUNT = 0 it just holds FILL_MB.
 *	Each line "fill" read from CMD_FIFO redoes that (after the benchmark
 *	has vacated part of the region); one status line per command goes to
 *	ACK_FIFO; "quit" ends it.
 *   benchmem hog MB STOPFILE [PASSES]
 *	The background workload: map MB, touch it, unmap it, until STOPFILE
 *	exists (or PASSES times); anonymous and tmpfs (memfd) memory in turn.
 *	STOPFILE.ready is created once the first pass is done, so that a
 *	caller can wait for the workload to be in full swing.  With PASSES it
 *	prints the guest time the passes took: "passes=N ns=T".
 *   benchmem fault MB REPS
 *	Hot path: time touching MB of fresh anonymous memory, one write per
 *	page; prints the ns per page of every repetition.
 *   benchmem lru BASE COUNT
 *	How many pages of [BASE, BASE + COUNT) are on an LRU list (hold
 *	movable user memory), from /proc/kpageflags.
 *
 * Times are CLOCK_MONOTONIC of the guest: instruction counts under -icount.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cma_util.h"

#define PAGE		4096UL
#define CHUNK		(2UL << 20)
#define CHUNK_PAGES	(CHUNK / PAGE)
#define KPF_LRU		5
#define MAX_CHUNKS	4096

typedef unsigned long long u64;

struct chunk {
	char *addr;
	int tmpfs;		/* 1: pages of the tmpfs file at off */
	off_t off;
};

static struct chunk chunks[MAX_CHUNKS];
static int nr_chunks;
static int tmpfs_fd;
static off_t tmpfs_size;
static u64 rbase, rcount;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sum of the zones' high watermarks, in kB. */
static long high_wmark_kb(void)
{
	char line[256];
	long sum = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		die("/proc/zoneinfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " high %ld", &v) == 1)
			sum += v * (PAGE / 1024);
	fclose(f);
	return sum;
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
}

static int new_chunk(void)
{
	struct chunk *c = &chunks[nr_chunks];

	if (nr_chunks == MAX_CHUNKS)
		return -1;
	static unsigned long made;

	c->tmpfs = made++ & 1;
	if (c->tmpfs) {
		c->off = tmpfs_size;
		tmpfs_size += CHUNK;
		if (ftruncate(tmpfs_fd, tmpfs_size))
			die("ftruncate");
		c->addr = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED,
			       tmpfs_fd, c->off);
	} else {
		c->addr = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (c->addr == MAP_FAILED)
		die("mmap");
	touch(c->addr, CHUNK);
	nr_chunks++;
	return 0;
}

/* Present pages of @c: pfn[i], or 0 when page i is not present. */
static void chunk_pfns(const struct chunk *c, u64 *pfn)
{
	if (pagemap_pfns(c->addr, CHUNK_PAGES, (uint64_t *)pfn))
		die("pagemap");
}

static int in_region(u64 pfn)
{
	return pfn >= rbase && pfn < rbase + rcount;
}

static void drop(struct chunk *c, size_t from, size_t to)
{
	if (from == to)
		return;
	if (c->tmpfs) {
		if (fallocate(tmpfs_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      c->off + from * PAGE, (to - from) * PAGE))
			die("fallocate");
	} else if (madvise(c->addr + from * PAGE, (to - from) * PAGE,
			   MADV_DONTNEED)) {
		die("madvise");
	}
}

/*
 * Free every page held outside the region; unmap the chunks left with
 * nothing (their page tables are unmovable memory the benchmark does not
 * want to grow).  Return the pages inside.
 */
static u64 drop_outside(void)
{
	u64 pfn[CHUNK_PAGES], inside = 0, here;
	size_t i, run;
	int k, kept = 0;

	for (k = 0; k < nr_chunks; k++) {
		struct chunk *c = &chunks[k];

		chunk_pfns(c, pfn);
		run = 0;
		here = 0;
		for (i = 0; i < CHUNK_PAGES; i++) {
			if (pfn[i] && in_region(pfn[i])) {
				here++;
				drop(c, run, i);
				run = i + 1;
			}
		}
		drop(c, run, CHUNK_PAGES);
		inside += here;
		if (here)
			chunks[kept++] = *c;
		else
			munmap(c->addr, CHUNK);
	}
	nr_chunks = kept;
	return inside;
}

static u64 chunk_inside(const struct chunk *c)
{
	u64 pfn[CHUNK_PAGES], n = 0;
	size_t i;

	chunk_pfns(c, pfn);
	for (i = 0; i < CHUNK_PAGES; i++)
		n += pfn[i] && in_region(pfn[i]);
	return n;
}

static u64 lru_pages(u64 base, u64 count)
{
	long n = kpageflags_count(base, count, 1ULL << KPF_LRU);

	if (n < 0)
		die("/proc/kpageflags");
	return n;
}

/*
 * Occupy the region: allocate until all of it is ours or the free memory
 * outside it (MemFree less the region's pages we do not hold: only movable
 * allocations can use those) is down to the zones' high watermarks plus a
 * margin (no reclaim, no OOM), then give back what landed outside.  Up to
 * three passes while they still gain.
 * @first gets the share of the region that the first pass left occupied
 * before anything was given back: where the page allocator puts movable
 * memory when memory runs short.
 */
static void fill_region(char *status, size_t len)
{
	long floor_kb = high_wmark_kb() + 2048;
	u64 inside = drop_outside(), natural = 0, before;
	u64 want = rcount - rcount / 512;
	u64 t0 = now_ns();
	int pass, first = 1;

	for (pass = 0; pass < 3 && inside < want; pass++) {
		before = inside;
		while (inside < want &&
		       meminfo_kb("MemFree") - (long)(rcount - inside) * 4 > floor_kb) {
			if (new_chunk())
				break;
			inside += chunk_inside(&chunks[nr_chunks - 1]);
		}
		if (first)
			natural = lru_pages(rbase, rcount);
		first = 0;
		inside = drop_outside();
		if (inside < before + rcount / 1000)
			break;
	}
	snprintf(status, len,
		 "inside=%llu region=%llu share_ppm=%llu natural_ppm=%llu lru=%llu memfree_kb=%ld fill_ns=%llu\n",
		 inside, rcount,
		 (inside * 1000000 / rcount),
		 (natural * 1000000 / rcount),
		 lru_pages(rbase, rcount),
		 meminfo_kb("MemFree"), (now_ns() - t0));
}

static void fill_amount(unsigned long mb, char *status, size_t len)
{
	u64 t0 = now_ns();

	while ((unsigned long)nr_chunks * (CHUNK >> 20) < mb)
		if (new_chunk())
			break;
	snprintf(status, len, "held_mb=%lu memfree_kb=%ld fill_ns=%llu\n",
		 (unsigned long)nr_chunks * (CHUNK >> 20),
		 meminfo_kb("MemFree"), (now_ns() - t0));
}

static int filler(int argc, char **argv)
{
	unsigned long fill_mb;
	char cmd[64], status[512];
	int fd;
	ssize_t n;

	if (argc != 7)
		return 2;
	rbase = strtoull(argv[2], NULL, 0);
	rcount = strtoull(argv[3], NULL, 0);
	fill_mb = strtoul(argv[4], NULL, 0);
	tmpfs_fd = memfd_create("benchmem.fill", 0);
	if (tmpfs_fd < 0)
		die("memfd_create");
	for (;;) {
		fd = open(argv[5], O_RDONLY);
		if (fd < 0)
			die(argv[5]);
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = '\0';
		if (!strncmp(cmd, "quit", 4))
			break;
		if (rcount)
			fill_region(status, sizeof(status));
		else
			fill_amount(fill_mb, status, sizeof(status));
		fd = open(argv[6], O_WRONLY);
		if (fd < 0)
			die(argv[6]);
		if (write(fd, status, strlen(status)) < 0)
			die("write");
		close(fd);
	}
	return 0;
}

static int hog(unsigned long mb, const char *stop, unsigned long passes)
{
	size_t len = mb << 20;
	char ready[4096];
	unsigned long i;
	u64 t0 = now_ns();
	char *p;
	int fd;

	snprintf(ready, sizeof(ready), "%s.ready", stop);
	for (i = 0; access(stop, F_OK) && (!passes || i < passes); i++) {
		if (i & 1) {
			fd = memfd_create("benchmem.workload", 0);
			if (fd < 0 || ftruncate(fd, len))
				die("memfd_create");
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		} else {
			fd = -1;
			p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		}
		if (p == MAP_FAILED)
			die("mmap");
		touch(p, len);
		munmap(p, len);
		if (fd >= 0)
			close(fd);
		if (!i) {
			fd = open(ready, O_CREAT | O_WRONLY, 0644);
			if (fd >= 0)
				close(fd);
		}
	}
	if (passes)
		printf("passes=%lu ns=%llu\n", i, now_ns() - t0);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int fault(unsigned long mb, int reps)
{
	size_t len = mb << 20, pages = len / PAGE;
	u64 t, v[64];
	int r;
	char *p;

	if (reps < 1 || reps > 64)
		return 2;
	for (r = 0; r < reps; r++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		t = now_ns();
		touch(p, len);
		v[r] = (now_ns() - t) / pages;
		munmap(p, len);
	}
	printf("fault_mb=%lu reps=%d ns_per_page=", mb, reps);
	for (r = 0; r < reps; r++)
		printf("%s%llu", r ? "," : "", v[r]);
	qsort(v, reps, sizeof(v[0]), cmp_u64);
	printf(" median=%llu\n", v[reps / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "filler"))
		return filler(argc, argv);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "hog"))
		return hog(strtoul(argv[2], NULL, 0), argv[3],
			   argc == 5 ? strtoul(argv[4], NULL, 0) : 0);
	if (argc == 4 && !strcmp(argv[1], "fault"))
		return fault(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "lru")) {
		printf("%llu\n", lru_pages(strtoull(argv[2], NULL, 0),
					   strtoull(argv[3], NULL, 0)));
		return 0;
	}
	fprintf(stderr, "usage: benchmem filler|hog|fault|lru ...\n");
	return 2;
}
