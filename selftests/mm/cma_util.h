/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the CMA selftests: the sysfs/debugfs files of an area,
 * /proc/meminfo and /proc/vmstat, and where pages are
 * (/proc/self/pagemap, /proc/kpageflags).
 */
#ifndef __SELFTESTS_MM_CMA_UTIL_H
#define __SELFTESTS_MM_CMA_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMA_DEBUGFS "/sys/kernel/debug/cma"
#define CMA_SYSFS "/sys/kernel/mm/cma"

/* Read <dir>/<file> into buf without its newline; 0 or -errno. */
static inline int read_str(const char *dir, const char *file, char *buf,
			   size_t len)
{
	char path[2 * PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The number in <dir>/<file>; -1 if it cannot be read. */
static inline long read_long(const char *dir, const char *file)
{
	char buf[64];

	if (read_str(dir, file, buf, sizeof(buf)) || !buf[0])
		return -1;
	return strtol(buf, NULL, 10);
}

/* Write a page count to <dir>/<file> (alloc, free); 0 or -errno. */
static inline int write_count(const char *dir, const char *file, long count)
{
	char path[2 * PATH_MAX], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", count);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write the string @s to <dir>/<file>, all of it; 0 or -errno. */
static inline int write_str(const char *dir, const char *file, const char *s)
{
	char path[2 * PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* The number after "<name><sep>" opening a line of @path; -1 if none. */
static inline long proc_value(const char *path, const char *name, char sep)
{
	char line[256];
	size_t len = strlen(name);
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == sep) {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Value of a "Name:   N kB" line of /proc/meminfo, in kB; -1 if absent. */
static inline long meminfo_kb(const char *name)
{
	return proc_value("/proc/meminfo", name, ':');
}

/*
 * The pfn of each of the @n pages from @addr (0 where a page is not
 * present), from /proc/self/pagemap; 0 or -errno.
 */
static inline int pagemap_pfns(const void *addr, size_t n, uint64_t *pfn)
{
	long psize = sysconf(_SC_PAGESIZE);
	off_t at = (uintptr_t)addr / psize * sizeof(*pfn);
	int fd = open("/proc/self/pagemap", O_RDONLY), ret = 0;
	size_t i;

	if (fd < 0)
		return -errno;
	if (pread(fd, pfn, n * sizeof(*pfn), at) != (ssize_t)(n * sizeof(*pfn)))
		ret = -EIO;
	for (i = 0; !ret && i < n; i++)
		pfn[i] = (pfn[i] >> 63) ? pfn[i] & ((1ULL << 55) - 1) : 0;
	close(fd);
	return ret;
}

/*
 * How many pages of the pfn range [base, base + count) have any of the
 * /proc/kpageflags bits in @mask set; -1 if it cannot be read.
 */
static inline long kpageflags_count(uint64_t base, uint64_t count,
				    uint64_t mask)
{
	static uint64_t buf[4096];
	uint64_t done = 0, want, i;
	long n = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return -1;
	while (done < count) {
		want = count - done < 4096 ? count - done : 4096;
		if (pread(fd, buf, want * 8, (base + done) * 8) !=
		    (ssize_t)(want * 8)) {
			n = -1;
			break;
		}
		for (i = 0; i < want; i++)
			n += !!(buf[i] & mask);
		done += want;
	}
	close(fd);
	return n;
}

/* A /proc/vmstat counter; -1 if absent. */
static inline long vmstat_read(const char *name)
{
	return proc_value("/proc/vmstat", name, ' ');
}

#endif /* __SELFTESTS_MM_CMA_UTIL_H */
