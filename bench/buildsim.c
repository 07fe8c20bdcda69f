// SPDX-License-Identifier: GPL-2.0
/*
 * buildsim: the build-like workload of the reclaim scenario of `make bench`
 * (guest/scenarios/reclaim.sh), ZONE_CMA's own case: a machine short of
 * memory outside its CMA area, with file cache and swap.
 *
 *   buildsim run SRC OBJ NFILES JOBS RESIDENT_MB PASSES [ARRIVE_MS ARRIVE_CMD]
 *	Run PASSES passes over the NFILES source files SRC/<i>.c, JOBS
 *	compile jobs at a time, in a fixed order; each job is a process of
 *	its own (fork + exec of "buildsim cc").  Beside them, for the whole
 *	run, a resident process holds RESIDENT_MB of anonymous memory and
 *	keeps touching it (an editor, a language server, make itself), and a
 *	sampler prints the region's pages in use every 100 ms of guest time.
 *	With ARRIVE_MS, ARRIVE_CMD (a shell command) runs once, ARRIVE_MS of
 *	guest time after the start: a device allocating from the region while
 *	the workload is in full swing.
 *	Prints "elapsed_ns=T jobs=N failed=F killed=K".
 *   buildsim cc SRC OBJ
 *	One job: read the source file into memory, allocate and write 2 x its
 *	size + 1 MiB of anonymous memory from it, write an object file of half
 *	its size.
 *   buildsim since
 *	Print the guest milliseconds since the run began (BUILDSIM_T0_NS, which
 *	"run" puts in the environment of ARRIVE_CMD).
 *
 * The input is the same bytes in every arm: scripts/bench.sh builds the
 * source filesystem image from a fixed seed.  Times are CLOCK_MONOTONIC of
 * the guest (instruction counts under -icount); the disk's I/O completes in
 * host time, so unlike the rest of the bench these figures vary from one
 * boot to the next (the report shows by how much, from two boots of one
 * arm).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL
#define MIB	(1UL << 20)

typedef unsigned long long u64;

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * The region's pages in use, in kB: CmaTotal - CmaFree where the region is
 * CMA memory (a MIGRATE_CMA area, a sticky region), the Movable zone's
 * managed - free pages where it is ZONE_MOVABLE, else 0 (an exclusive
 * region lends nothing; no region).
 */
static long region_used(void)
{
	long total = meminfo_kb("CmaTotal"), free = meminfo_kb("CmaFree");
	long managed = -1, nr_free = -1, v;
	char line[256], name[64];
	int movable = 0;
	FILE *f;

	if (total > 0 && free >= 0)
		return total - free;
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %63s", name) == 1) {
			movable = !strcmp(name, "Movable");
			continue;
		}
		if (!movable)
			continue;
		if (sscanf(line, " pages free %ld", &v) == 1)
			nr_free = v;
		else if (sscanf(line, " managed %ld", &v) == 1)
			managed = v;
	}
	fclose(f);
	return managed > 0 && nr_free >= 0 ? (managed - nr_free) * (long)(PAGE / 1024) : 0;
}

static int cc(const char *src, const char *obj)
{
	unsigned char *buf, *work;
	size_t size, wsize, off;
	struct stat st;
	u64 h = 1469598103934665603ULL;
	ssize_t r;
	int fd;

	fd = open(src, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return 2;
	size = st.st_size;
	buf = malloc(size + 1);
	if (!buf)
		return 3;
	for (off = 0; off < size; off += r) {
		r = read(fd, buf + off, size - off);
		if (r <= 0)
			return 4;
	}
	close(fd);
	wsize = 2 * size + MIB;
	work = mmap(NULL, wsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (work == MAP_FAILED)
		return 5;
	for (off = 0; off < wsize; off += 64) {
		work[off] = buf[off % size] ^ (unsigned char)(off >> 12);
		h = (h ^ work[off]) * 1099511628211ULL;
	}
	fd = open(obj, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 6;
	memcpy(work, &h, sizeof(h));
	for (off = 0; off < size / 2; off += r) {
		r = write(fd, work + off, size / 2 - off > 65536 ? 65536 : size / 2 - off);
		if (r <= 0)
			return 7;
	}
	close(fd);
	return 0;
}

/* The resident process: hold @mb of anonymous memory, touch it in turn. */
static void resident(long mb)
{
	size_t size = mb * MIB, slice = size / 16, off;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	if (p == MAP_FAILED)
		_exit(1);
	for (off = 0; off < size; off += PAGE)
		p[off] = 1;
	for (i = 0;; i = (i + 1) % 16) {
		for (off = i * slice; off < (i + 1) * slice; off += PAGE)
			p[off]++;
		sleep_ms(20);
	}
}

static void sampler(u64 t0)
{
	for (;;) {
		printf("BENCH: RUSE t_ms=%llu used_kb=%ld\n",
		       (now_ns() - t0) / 1000000ULL, region_used());
		fflush(stdout);
		sleep_ms(100);
	}
}

static int run(int argc, char **argv)
{
	const char *srcd = argv[2], *objd = argv[3];
	int nfiles = atoi(argv[4]), jobs = atoi(argv[5]), passes = atoi(argv[7]);
	long resident_mb = atol(argv[6]), arrive_ms = argc > 9 ? atol(argv[8]) : -1;
	int inflight = 0, failed = 0, killed = 0, nr = 0, pass, i, st;
	pid_t res, smp, arrive = 0;
	char src[256], obj[256];
	u64 t0 = now_ns();
	char t0s[32];

	snprintf(t0s, sizeof(t0s), "%llu", t0);
	setenv("BUILDSIM_T0_NS", t0s, 1);
	smp = fork();
	if (!smp)
		sampler(t0);
	res = fork();
	if (!res)
		resident(resident_mb);
	for (pass = 0; pass < passes; pass++) {
		for (i = 0; i < nfiles; i++) {
			pid_t pid;

			while (inflight >= jobs) {
				pid = wait(&st);
				if (pid < 0) {
					inflight = 0;
					break;
				}
				if (pid == res || pid == smp || pid == arrive) {
					if (pid == res)
						printf("BENCH: NOTE resident process ended (status %d)\n", st);
					if (pid == arrive)
						arrive = -1;
					continue;
				}
				inflight--;
				failed += WIFEXITED(st) && WEXITSTATUS(st);
				killed += WIFSIGNALED(st);
			}
			if (arrive == 0 && arrive_ms >= 0 &&
			    now_ns() - t0 >= (u64)arrive_ms * 1000000ULL) {
				arrive = fork();
				if (!arrive) {
					execl("/bin/sh", "sh", "-c", argv[9], (char *)NULL);
					_exit(127);
				}
			}
			snprintf(src, sizeof(src), "%s/%d.c", srcd, i);
			snprintf(obj, sizeof(obj), "%s/%d.o", objd, i);
			pid = fork();
			if (!pid) {
				execl("/proc/self/exe", "buildsim", "cc", src, obj, (char *)NULL);
				_exit(126);
			}
			if (pid > 0) {
				inflight++;
				nr++;
			} else {
				failed++;
			}
		}
	}
	while (inflight > 0) {
		pid_t pid = wait(&st);

		if (pid < 0)
			break;
		if (pid == res)
			printf("BENCH: NOTE resident process ended (status %d)\n", st);
		if (pid == res || pid == smp)
			continue;
		if (pid == arrive) {
			arrive = -1;
			continue;
		}
		inflight--;
		failed += WIFEXITED(st) && WEXITSTATUS(st);
		killed += WIFSIGNALED(st);
	}
	printf("elapsed_ns=%llu jobs=%d failed=%d killed=%d\n", now_ns() - t0, nr, failed,
	       killed);
	fflush(stdout);
	kill(res, SIGKILL);
	kill(smp, SIGKILL);
	if (arrive > 0)
		waitpid(arrive, NULL, 0);
	waitpid(res, NULL, 0);
	waitpid(smp, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 8 && !strcmp(argv[1], "run"))
		return run(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "cc"))
		return cc(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "since") && getenv("BUILDSIM_T0_NS")) {
		printf("%llu\n", (now_ns() - strtoull(getenv("BUILDSIM_T0_NS"), NULL, 10)) /
		       1000000ULL);
		return 0;
	}
	fprintf(stderr, "usage: buildsim run SRC OBJ NFILES JOBS RESIDENT_MB PASSES "
		"[ARRIVE_MS ARRIVE_CMD] | cc SRC OBJ | since\n");
	return 2;
}
