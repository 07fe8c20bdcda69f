// SPDX-License-Identifier: GPL-2.0
/*
 * cma_bench: allocation latency benchmark of the cma-sticky workbench
 * (`make bench`).  Built into the benchmark kernels only: scripts/bench.sh
 * copies it into a worktree of the tree under test (the unpatched base or
 * the series) and links it into mm/.  It uses nothing the series adds.
 *
 * Write one command to /sys/kernel/debug/cma_bench/ctl; it runs in the
 * writer's context and the write returns when it is done.  Read the same
 * file for the statistics gathered since the last "reset":
 *
 *   reset                   forget every sample
 *   cma AREA PAGES COUNT [MS]  COUNT x cma_alloc(AREA, PAGES), then release all
 *   cmafolio AREA ORDER COUNT [MS]
 *                              COUNT x cma_alloc_folio(AREA, ORDER), then
 *                              cma_free_folio() of all
 *   buddy ORDER COUNT [MS]     COUNT x alloc_pages(ORDER), then free all
 *   buddycomp ORDER COUNT [MS] the same with __GFP_COMP (a compound page,
 *                              every tail page prepared, as a folio is)
 *   contig PAGES COUNT [MS]    COUNT x alloc_contig_range() of PAGES in
 *                              ZONE_MOVABLE, placed the way cma_alloc()
 *                              places them (first fit, next page on
 *                              -EBUSY), then free_contig_range() of all
 *   order0 LOOPS               LOOPS x (alloc_page(); __free_page()), timed
 *                              as one block
 *
 * With MS, a command stops allocating once the allocations since the last
 * "reset" have taken MS milliseconds (guest time): fewer attempts, never a
 * cut one.
 *
 * The cma and contig commands also record the work done while each
 * allocation ran: the pages migrated (pgmigrate_success) and those that
 * failed to migrate (pgmigrate_fail), system-wide vm events read around it
 * outside the timed window (so kcompactd's or a background workload's
 * migrations in that window count too); and for contig, the ranges it found
 * busy and retried (cma_alloc() retries inside the kernel, where this
 * driver cannot count them: -1).  The statistics then give the work of the
 * p99 and the slowest sample and the mean work of the samples at or above
 * p99 ("tail") and below it, so that a slow tail can be told apart from
 * one that simply moved more.
 *
 * Each allocation and each release is timed with ktime_get_ns(); under
 * QEMU's -icount the guest clock counts guest instructions, so the figures
 * are reproducible.  Blocks are held until the end of the command so that
 * every allocation of a command meets the region as the previous ones left
 * it, not the hole its predecessor just released.
 */

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#define BENCH_MAX_SAMPLES	8192
#define BENCH_MAX_HOLD		4096
#define BENCH_CMD_LEN		128
#define BENCH_OUT_LEN		768

struct bench_samples {
	u64 *ns;
	unsigned int nr;
};

/* One allocation of a cma or contig command and the work behind it. */
struct bench_work {
	u64 ns;
	unsigned long migrated, failed;
	long retries;		/* -1: not counted */
};

static DEFINE_MUTEX(bench_lock);
static struct bench_samples bench_alloc, bench_release;
static unsigned long bench_tries, bench_ok;
static u64 bench_fail_max, bench_total_ns, bench_loops;
static char bench_out[BENCH_OUT_LEN];
static u64 bench_budget_ns, bench_spent_ns;
static struct bench_work *bench_works;
static unsigned int bench_nr_works;
static unsigned long bench_ev[NR_VM_EVENT_ITEMS];
/* busy ranges bench_contig_alloc() retried in its last call */
static unsigned long contig_retries;

/* ZONE_MOVABLE arm: which pages of the zone this driver holds. */
static unsigned long *contig_bitmap;
static unsigned long contig_start, contig_pages;

static void bench_add(struct bench_samples *s, u64 ns)
{
	if (s->nr < BENCH_MAX_SAMPLES)
		s->ns[s->nr++] = ns;
}

static void bench_reset(void)
{
	bench_alloc.nr = 0;
	bench_release.nr = 0;
	bench_tries = 0;
	bench_ok = 0;
	bench_fail_max = 0;
	bench_total_ns = 0;
	bench_loops = 0;
	bench_spent_ns = 0;
	bench_nr_works = 0;
}

/* Start of an allocation's work: the vm events before it. */
static void bench_work_begin(void)
{
	all_vm_events(bench_ev);
}

/* End of an allocation that succeeded in @ns: its work, from the events. */
static void bench_work_end(u64 ns, long retries)
{
	unsigned long mig = bench_ev[PGMIGRATE_SUCCESS];
	unsigned long fail = bench_ev[PGMIGRATE_FAIL];
	struct bench_work *w;

	if (bench_nr_works >= BENCH_MAX_SAMPLES)
		return;
	all_vm_events(bench_ev);
	w = &bench_works[bench_nr_works++];
	w->ns = ns;
	w->migrated = bench_ev[PGMIGRATE_SUCCESS] - mig;
	w->failed = bench_ev[PGMIGRATE_FAIL] - fail;
	w->retries = retries;
}

static int bench_work_cmp(const void *a, const void *b)
{
	const struct bench_work *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/*
 * The work of the p99 sample and of the slowest, and the mean work (in
 * hundredths) of the samples at or above the p99 rank and of those below.
 */
static int bench_work_format(char *buf, size_t len)
{
	long sum[2][3] = {}, n[2] = {};
	const struct bench_work *p99, *slowest, *w;
	unsigned int rank, i, t;

	if (!bench_nr_works)
		return 0;
	sort(bench_works, bench_nr_works, sizeof(*bench_works), bench_work_cmp, NULL);
	rank = DIV_ROUND_UP(bench_nr_works * 99, 100);
	rank = rank ? rank - 1 : 0;
	p99 = &bench_works[rank];
	slowest = &bench_works[bench_nr_works - 1];
	for (i = 0; i < bench_nr_works; i++) {
		w = &bench_works[i];
		t = i >= rank;
		sum[t][0] += w->migrated;
		sum[t][1] += w->failed;
		sum[t][2] += w->retries;
		n[t]++;
	}
	/* the tail holds the p99 sample: n[1] >= 1 */
	return scnprintf(buf, len,
			 " w_n=%u p99_mig=%lu p99_fail=%lu p99_retry=%ld max_mig=%lu max_fail=%lu max_retry=%ld tail_n=%ld tail_mig100=%ld tail_fail100=%ld tail_retry100=%ld body_n=%ld body_mig100=%ld body_fail100=%ld body_retry100=%ld",
			 bench_nr_works, p99->migrated, p99->failed, p99->retries,
			 slowest->migrated, slowest->failed, slowest->retries,
			 n[1], sum[1][0] * 100 / n[1], sum[1][1] * 100 / n[1],
			 sum[1][2] * 100 / n[1], n[0],
			 n[0] ? sum[0][0] * 100 / n[0] : 0,
			 n[0] ? sum[0][1] * 100 / n[0] : 0,
			 n[0] ? sum[0][2] * 100 / n[0] : 0);
}

static int bench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (@pct in 0..100) of the sorted samples. */
static u64 bench_pct(const struct bench_samples *s, unsigned int pct)
{
	unsigned int rank;

	if (!s->nr)
		return 0;
	rank = DIV_ROUND_UP(s->nr * pct, 100);
	return s->ns[rank ? rank - 1 : 0];
}

static void bench_format(void)
{
	int len;

	sort(bench_alloc.ns, bench_alloc.nr, sizeof(u64), bench_cmp, NULL);
	sort(bench_release.ns, bench_release.nr, sizeof(u64), bench_cmp, NULL);
	len = scnprintf(bench_out, sizeof(bench_out),
			"n=%lu ok=%lu p50=%llu p99=%llu max=%llu fail_max=%llu rel_n=%u rel_p50=%llu rel_p99=%llu rel_max=%llu loops=%llu total=%llu",
			bench_tries, bench_ok, bench_pct(&bench_alloc, 50),
			bench_pct(&bench_alloc, 99), bench_pct(&bench_alloc, 100),
			bench_fail_max, bench_release.nr,
			bench_pct(&bench_release, 50), bench_pct(&bench_release, 99),
			bench_pct(&bench_release, 100), bench_loops, bench_total_ns);
	len += bench_work_format(bench_out + len, sizeof(bench_out) - len);
	scnprintf(bench_out + len, sizeof(bench_out) - len, "\n");
}

static void bench_account(bool ok, u64 ns)
{
	bench_spent_ns += ns;
	bench_tries++;
	if (ok) {
		bench_ok++;
		bench_add(&bench_alloc, ns);
	} else {
		bench_fail_max = max(bench_fail_max, ns);
	}
}

/* Whether the command's time budget (if any) allows another attempt. */
static bool bench_more(void)
{
	return !bench_budget_ns || bench_spent_ns < bench_budget_ns;
}

struct bench_find {
	const char *name;
	struct cma *cma;
};

static int bench_find_it(struct cma *cma, void *data)
{
	struct bench_find *f = data;

	if (strcmp(cma_get_name(cma), f->name))
		return 0;
	f->cma = cma;
	return 1;
}

static int bench_cma(const char *name, unsigned long pages, unsigned int count,
		     bool folio, struct page **held)
{
	gfp_t gfp = GFP_KERNEL | __GFP_COMP | __GFP_NOWARN;
	struct bench_find f = { .name = name };
	unsigned int i, nr = 0;
	struct page *page;
	u64 t;

	cma_for_each_area(bench_find_it, &f);
	if (!f.cma)
		return -ENODEV;
	if (folio && (pages < 2 || !is_power_of_2(pages)))
		return -EINVAL;
	for (i = 0; i < count && bench_more(); i++) {
		bench_work_begin();
		t = ktime_get_ns();
		if (folio) {
			struct folio *fo = cma_alloc_folio(f.cma, ilog2(pages), gfp);

			page = fo ? &fo->page : NULL;
		} else {
			page = cma_alloc(f.cma, pages, 0, true);
		}
		t = ktime_get_ns() - t;
		bench_account(!!page, t);
		if (page) {
			bench_work_end(t, -1);
			held[nr++] = page;
		}
		cond_resched();
	}
	for (i = 0; i < nr; i++) {
		t = ktime_get_ns();
		if (folio)
			cma_free_folio(f.cma, page_folio(held[i]));
		else
			cma_release(f.cma, held[i], pages);
		bench_add(&bench_release, ktime_get_ns() - t);
		cond_resched();
	}
	return 0;
}

/*
 * cmaatomic: cma_alloc_gfp(GFP_ATOMIC) with interrupts off, as a driver's
 * interrupt handler would ask an exclusive region, timed with interrupts
 * off so that the figure is the allocation alone; cmasleep: the same
 * request with GFP_KERNEL, for comparison.  Each allocation is released
 * at once (one release sample), so that any count fits the region.
 */
static int bench_cma_gfp(const char *name, unsigned long pages,
			 unsigned int count, bool atomic)
{
#ifdef CONFIG_CMA_STICKY
	gfp_t gfp = (atomic ? GFP_ATOMIC : GFP_KERNEL) | __GFP_NOWARN;
	struct bench_find f = { .name = name };
	unsigned long flags = 0;
	unsigned int i;
	struct page *page;
	u64 t;

	cma_for_each_area(bench_find_it, &f);
	if (!f.cma)
		return -ENODEV;
	for (i = 0; i < count && bench_more(); i++) {
		if (atomic)
			local_irq_save(flags);
		t = ktime_get_ns();
		page = cma_alloc_gfp(f.cma, pages, 0, gfp, NULL);
		t = ktime_get_ns() - t;
		if (atomic)
			local_irq_restore(flags);
		bench_account(!IS_ERR(page), t);
		if (IS_ERR(page))
			continue;
		t = ktime_get_ns();
		cma_release(f.cma, page, pages);
		bench_add(&bench_release, ktime_get_ns() - t);
		cond_resched();
	}
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * cmabulk: one cma_alloc_bulk() of @nr blocks of @order per sample;
 * buddybulk (@name NULL): @nr alloc_pages() calls per sample.  A sample
 * is ok when all @nr blocks came; the release of a batch is one sample.
 */
static int bench_bulk(const char *name, unsigned int order, unsigned int nr,
		      unsigned int count, struct page **held)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct bench_find f = { .name = name };
	unsigned int i, j;
	long n = 0;
	u64 t;

	if (order > MAX_PAGE_ORDER || !nr || nr > BENCH_MAX_HOLD)
		return -EINVAL;
	if (name) {
		/* cma_alloc_bulk() is the series' (the base kernel has none) */
		if (!IS_ENABLED(CONFIG_CMA_STICKY))
			return -EOPNOTSUPP;
		cma_for_each_area(bench_find_it, &f);
		if (!f.cma)
			return -ENODEV;
	}
	for (i = 0; i < count && bench_more(); i++) {
		t = ktime_get_ns();
		if (name) {
#ifdef CONFIG_CMA_STICKY
			n = cma_alloc_bulk(f.cma, order, nr, gfp, NULL, held);
#endif
		} else {
			for (n = 0; n < nr; n++) {
				held[n] = alloc_pages(gfp, order);
				if (!held[n])
					break;
			}
		}
		t = ktime_get_ns() - t;
		if (n < 0)
			return n;
		bench_account(n == nr, t);
		t = ktime_get_ns();
		for (j = 0; j < n; j++) {
			if (name)
				cma_release(f.cma, held[j], 1UL << order);
			else
				__free_pages(held[j], order);
		}
		bench_add(&bench_release, ktime_get_ns() - t);
		cond_resched();
	}
	return 0;
}

static int bench_buddy(unsigned int order, unsigned int count, bool comp,
		       struct page **held)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | (comp ? __GFP_COMP : 0);
	unsigned int i, nr = 0;
	struct page *page;
	u64 t;

	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	for (i = 0; i < count && bench_more(); i++) {
		t = ktime_get_ns();
		page = alloc_pages(gfp, order);
		t = ktime_get_ns() - t;
		bench_account(!!page, t);
		if (page)
			held[nr++] = page;
		cond_resched();
	}
	for (i = 0; i < nr; i++) {
		t = ktime_get_ns();
		__free_pages(held[i], order);
		bench_add(&bench_release, ktime_get_ns() - t);
		cond_resched();
	}
	return 0;
}

static struct zone *bench_movable_zone(void)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		if (zone_idx(zone) == ZONE_MOVABLE)
			return zone;
	return NULL;
}

/*
 * The CMA allocator of the ZONE_CMA era on a range of ZONE_MOVABLE: first
 * fit in a bitmap of the pages this driver holds, alloc_contig_range() of
 * the range, and on -EBUSY the next start page, as __cma_alloc() does.
 */
static struct page *bench_contig_alloc(unsigned long pages)
{
	unsigned long start = 0, off;
	int ret;

	contig_retries = 0;
	for (;;) {
		off = bitmap_find_next_zero_area(contig_bitmap, contig_pages,
						 start, pages, 0);
		if (off >= contig_pages)
			return NULL;
		ret = alloc_contig_range(contig_start + off,
					 contig_start + off + pages,
					 MIGRATE_MOVABLE,
					 GFP_KERNEL | __GFP_NOWARN);
		if (!ret) {
			bitmap_set(contig_bitmap, off, pages);
			return pfn_to_page(contig_start + off);
		}
		if (ret != -EBUSY)
			return NULL;
		contig_retries++;
		start = off + 1;
	}
}

static int bench_contig(unsigned long pages, unsigned int count,
			struct page **held)
{
	struct zone *zone = bench_movable_zone();
	unsigned int i, nr = 0;
	unsigned long pfn;
	struct page *page;
	u64 t;

	if (!zone)
		return -ENODEV;
	if (!contig_bitmap) {
		contig_start = zone->zone_start_pfn;
		contig_pages = zone->spanned_pages;
		contig_bitmap = bitmap_zalloc(contig_pages, GFP_KERNEL);
		if (!contig_bitmap)
			return -ENOMEM;
	}
	for (i = 0; i < count && bench_more(); i++) {
		bench_work_begin();
		t = ktime_get_ns();
		page = bench_contig_alloc(pages);
		t = ktime_get_ns() - t;
		bench_account(!!page, t);
		if (page) {
			bench_work_end(t, contig_retries);
			held[nr++] = page;
		}
		cond_resched();
	}
	for (i = 0; i < nr; i++) {
		pfn = page_to_pfn(held[i]);
		t = ktime_get_ns();
		free_contig_range(pfn, pages);
		bitmap_clear(contig_bitmap, pfn - contig_start, pages);
		bench_add(&bench_release, ktime_get_ns() - t);
		cond_resched();
	}
	return 0;
}

/* The hot path: order-0 allocation and free, pcp lists included. */
static int bench_order0(unsigned long loops)
{
	struct page *page;
	unsigned long i;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		page = alloc_page(GFP_KERNEL);
		if (unlikely(!page))
			return -ENOMEM;
		__free_page(page);
	}
	bench_total_ns += ktime_get_ns() - t;
	bench_loops += loops;
	return 0;
}

static int bench_run(char *cmd)
{
	unsigned long pages, ms = 0;
	char name[CMA_MAX_NAME];
	unsigned int count, order;
	struct page **held;
	int ret = -EINVAL;

	if (!strcmp(cmd, "reset")) {
		bench_reset();
		return 0;
	}
	if (sscanf(cmd, "order0 %lu", &pages) == 1)
		return bench_order0(pages);

	held = kvcalloc(BENCH_MAX_HOLD, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	if (sscanf(cmd, "cmafolio %63s %u %u %lu", name, &order, &count, &ms) >= 3) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (order && order < BITS_PER_LONG && count <= BENCH_MAX_HOLD)
			ret = bench_cma(name, 1UL << order, count, true, held);
	} else if (sscanf(cmd, "cmaatomic %63s %lu %u %lu", name, &pages, &count, &ms) >= 3) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (pages)
			ret = bench_cma_gfp(name, pages, count, true);
	} else if (sscanf(cmd, "cmasleep %63s %lu %u %lu", name, &pages, &count, &ms) >= 3) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (pages)
			ret = bench_cma_gfp(name, pages, count, false);
	} else if (sscanf(cmd, "cmabulk %63s %u %lu %u %lu", name, &order, &pages, &count,
			  &ms) >= 4) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		ret = bench_bulk(name, order, pages, count, held);
	} else if (sscanf(cmd, "buddybulk %u %lu %u %lu", &order, &pages, &count, &ms) >= 3) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		ret = bench_bulk(NULL, order, pages, count, held);
	} else if (sscanf(cmd, "cma %63s %lu %u %lu", name, &pages, &count, &ms) >= 3) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (pages && count <= BENCH_MAX_HOLD)
			ret = bench_cma(name, pages, count, false, held);
	} else if (sscanf(cmd, "buddycomp %u %u %lu", &order, &count, &ms) >= 2) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (order && count <= BENCH_MAX_HOLD)
			ret = bench_buddy(order, count, true, held);
	} else if (sscanf(cmd, "buddy %lu %u %lu", &pages, &count, &ms) >= 2) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (pages <= MAX_PAGE_ORDER && count <= BENCH_MAX_HOLD)
			ret = bench_buddy(pages, count, false, held);
	} else if (sscanf(cmd, "contig %lu %u %lu", &pages, &count, &ms) >= 2) {
		bench_budget_ns = ms * NSEC_PER_MSEC;
		if (pages && count <= BENCH_MAX_HOLD)
			ret = bench_contig(pages, count, held);
	}
	kvfree(held);
	return ret;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char cmd[BENCH_CMD_LEN];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	mutex_lock(&bench_lock);
	ret = bench_run(cmd);
	if (!ret)
		bench_format();
	mutex_unlock(&bench_lock);
	return ret ? ret : len;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, bench_out,
				      strlen(bench_out));
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

static int __init cma_bench_init(void)
{
	struct dentry *dir;

	bench_alloc.ns = vmalloc_array(BENCH_MAX_SAMPLES, sizeof(u64));
	bench_release.ns = vmalloc_array(BENCH_MAX_SAMPLES, sizeof(u64));
	bench_works = vmalloc_array(BENCH_MAX_SAMPLES, sizeof(*bench_works));
	if (!bench_alloc.ns || !bench_release.ns || !bench_works) {
		vfree(bench_alloc.ns);
		vfree(bench_release.ns);
		vfree(bench_works);
		return -ENOMEM;
	}
	bench_reset();
	bench_format();
	dir = debugfs_create_dir("cma_bench", NULL);
	debugfs_create_file("ctl", 0600, dir, NULL, &bench_fops);
	return 0;
}
late_initcall(cma_bench_init);
