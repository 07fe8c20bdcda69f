// SPDX-License-Identifier: GPL-2.0
/*
 * heapdemo AREA BYTES: one buffer of the area's dma-buf heap, as the demo
 * shows it.  Prints the area's sysfs free_pages at each step, one number
 * per step on one line: before, allocated, mapped and written, fd closed
 * (the mapping alone holds it), unmapped; then "ok" if the data read back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-heap.h>

static long free_pages(const char *area)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/cma/%s/free_pages", area);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct dma_heap_allocation_data data = { .fd_flags = O_RDWR | O_CLOEXEC };
	long f[5];
	char path[256];
	unsigned char *p;
	int heap, ok;

	if (argc != 3)
		return 2;
	data.len = strtoull(argv[2], NULL, 0);
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", argv[1]);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		perror(path);
		return 1;
	}
	f[0] = free_pages(argv[1]);
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data)) {
		perror("DMA_HEAP_IOCTL_ALLOC");
		return 1;
	}
	f[1] = free_pages(argv[1]);
	p = mmap(NULL, data.len, PROT_READ | PROT_WRITE, MAP_SHARED, data.fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(p, 0x5a, data.len);
	f[2] = free_pages(argv[1]);
	close(data.fd);
	f[3] = free_pages(argv[1]);
	ok = p[0] == 0x5a && p[data.len - 1] == 0x5a;
	munmap(p, data.len);
	f[4] = free_pages(argv[1]);
	printf("%ld %ld %ld %ld %ld %s\n", f[0], f[1], f[2], f[3], f[4],
	       ok ? "ok" : "bad");
	return ok ? 0 : 1;
}
