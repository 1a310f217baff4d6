// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/sysctl.c: the defaults of a new namespace and the
 * net.atcp table, driven through its proc handlers as a write to
 * /proc/sys/net/atcp/<name> would (since 5.8 the buffer is a kernel one).
 *
 * The expected names, defaults and ranges are those of DESIGN.md's sysctl
 * table, written here independently of module/sysctl.c.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>

#include "atcp.h"

/* Default of the two tunables that scale with memory, checked apart. */
#define ATCP_DEF_MEMORY	(-1)

struct atcp_sysctl_int {
	const char *name;
	size_t offset;
	int def;
	int min;
	int max;
};

#define ATCP_INT(field, d, lo, hi) \
	{ #field, offsetof(struct atcp_net, field), d, lo, hi }

static const struct atcp_sysctl_int atcp_sysctl_ints[] = {
	ATCP_INT(keepalive_time, 7200, 1, 32767),
	ATCP_INT(keepalive_intvl, 75, 1, 32767),
	ATCP_INT(keepalive_probes, 9, 1, 127),
	ATCP_INT(syn_retries, 6, 1, 127),
	ATCP_INT(synack_retries, 5, 0, 127),
	ATCP_INT(abort_on_overflow, 0, 0, 1),
	ATCP_INT(max_syn_backlog, 4096, 128, 65535),
	ATCP_INT(syncookies, 1, 0, 2),
	ATCP_INT(fin_timeout, 60, 1, 3600),
	ATCP_INT(msl, 30, 1, 120),
	ATCP_INT(orphan_retries, 8, 0, 127),
	ATCP_INT(retries1, 3, 1, 255),
	ATCP_INT(retries2, 15, 1, 255),
	ATCP_INT(max_tw_buckets, ATCP_DEF_MEMORY, 0, INT_MAX),
	ATCP_INT(max_orphans, ATCP_DEF_MEMORY, 0, INT_MAX),
	ATCP_INT(rfc1337, 0, 0, 1),
	ATCP_INT(challenge_ack_limit, 1000, 1, INT_MAX),
	ATCP_INT(invalid_ratelimit, 500, 0, INT_MAX),
	ATCP_INT(rto_min_ms, 200, 1, 1000),
};

/* The integers above, rmem, wmem and congestion_control. */
#define ATCP_SYSCTL_ENTRIES	(ARRAY_SIZE(atcp_sysctl_ints) + 3)

struct atcp_sysctl_ctx {
	struct atcp_net *an;
	struct ctl_table *table;
	size_t n;
};

static int atcp_sysctl_test_init(struct kunit *test)
{
	struct atcp_sysctl_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->an = kunit_kzalloc(test, sizeof(*ctx->an), GFP_KERNEL);
	if (!ctx->an)
		return -ENOMEM;
	atcp_net_defaults(ctx->an);
	ctx->table = atcp_sysctl_table_alloc(ctx->an, &ctx->n);
	if (!ctx->table)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

static void atcp_sysctl_test_exit(struct kunit *test)
{
	struct atcp_sysctl_ctx *ctx = test->priv;

	if (ctx)
		kfree(ctx->table);
}

static struct ctl_table *atcp_sysctl_find(struct kunit *test,
					  struct ctl_table *table, size_t n,
					  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].procname && !strcmp(table[i].procname, name))
			return &table[i];
	KUNIT_FAIL(test, "no entry %s", name);
	return NULL;
}

/* Write @s to the entry as "echo -n s > /proc/sys/..." would. */
static int atcp_sysctl_write(struct ctl_table *t, const char *s)
{
	char buf[64];
	size_t len;
	loff_t pos = 0;

	len = strscpy(buf, s, sizeof(buf));
	return t->proc_handler(t, 1, buf, &len, &pos);
}

/* Read the entry into @buf (NUL-terminated); returns the handler's result. */
static int atcp_sysctl_read(struct ctl_table *t, char *buf, size_t size)
{
	size_t len = size - 1;
	loff_t pos = 0;
	int ret;

	memset(buf, 0, size);
	ret = t->proc_handler(t, 0, buf, &len, &pos);
	buf[min(len, size - 1)] = '\0';
	return ret;
}

static int *atcp_sysctl_field(struct atcp_net *an,
			      const struct atcp_sysctl_int *e)
{
	return (int *)((char *)an + e->offset);
}

/* A new namespace starts from DESIGN.md's defaults. */
static void atcp_sysctl_test_defaults(struct kunit *test)
{
	struct atcp_net *an;
	int i;

	an = kunit_kzalloc(test, sizeof(*an), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, an);
	atcp_net_defaults(an);

	for (i = 0; i < ARRAY_SIZE(atcp_sysctl_ints); i++) {
		const struct atcp_sysctl_int *e = &atcp_sysctl_ints[i];
		int v = *atcp_sysctl_field(an, e);

		if (e->def == ATCP_DEF_MEMORY) {
			/* Memory based, as TCP's; never below 128. */
			KUNIT_EXPECT_GE_MSG(test, v, 128, "%s", e->name);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, v, e->def, "%s", e->name);
		KUNIT_EXPECT_TRUE_MSG(test, v >= e->min && v <= e->max,
				      "%s default %d outside %d..%d", e->name,
				      v, e->min, e->max);
	}
	KUNIT_EXPECT_STREQ(test, an->congestion_control, "cubic");
	KUNIT_EXPECT_NULL(test, an->sysctl_hdr);
}

/* Every entry present once, bound to this namespace, with its range. */
static void atcp_sysctl_test_table(struct kunit *test)
{
	struct atcp_sysctl_ctx *ctx = test->priv;
	struct ctl_table *t;
	size_t i, j;

	KUNIT_ASSERT_EQ(test, ctx->n, ATCP_SYSCTL_ENTRIES);
	/* A sentinel follows, for kernels before 6.5. */
	KUNIT_EXPECT_NULL(test, ctx->table[ctx->n].procname);

	for (i = 0; i < ctx->n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, ctx->table[i].procname);
		KUNIT_EXPECT_EQ_MSG(test, ctx->table[i].mode, (umode_t)0644,
				    "%s", ctx->table[i].procname);
		KUNIT_EXPECT_NOT_NULL(test, ctx->table[i].proc_handler);
		for (j = i + 1; j < ctx->n; j++)
			KUNIT_EXPECT_STRNEQ(test, ctx->table[i].procname,
					    ctx->table[j].procname);
	}

	for (i = 0; i < ARRAY_SIZE(atcp_sysctl_ints); i++) {
		const struct atcp_sysctl_int *e = &atcp_sysctl_ints[i];

		t = atcp_sysctl_find(test, ctx->table, ctx->n, e->name);
		if (!t)
			continue;
		KUNIT_EXPECT_PTR_EQ_MSG(test, t->data,
					(void *)atcp_sysctl_field(ctx->an, e),
					"%s", e->name);
		KUNIT_EXPECT_EQ(test, t->maxlen, (int)sizeof(int));
		KUNIT_ASSERT_NOT_NULL(test, t->extra1);
		KUNIT_ASSERT_NOT_NULL(test, t->extra2);
		KUNIT_EXPECT_EQ_MSG(test, *(int *)t->extra1, e->min, "%s min",
				    e->name);
		KUNIT_EXPECT_EQ_MSG(test, *(int *)t->extra2, e->max, "%s max",
				    e->name);
	}

	t = atcp_sysctl_find(test, ctx->table, ctx->n, "congestion_control");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_PTR_EQ(test, t->data, (void *)ctx->an->congestion_control);
	KUNIT_EXPECT_EQ(test, t->maxlen, ATCP_CA_NAME_MAX);
}

static void atcp_sysctl_int_desc(const struct atcp_sysctl_int *e, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", e->name);
}

KUNIT_ARRAY_PARAM(atcp_sysctl_int, atcp_sysctl_ints, atcp_sysctl_int_desc);

static void atcp_sysctl_expect_write(struct kunit *test, struct ctl_table *t,
				     long long val, bool ok)
{
	int *data = t->data, before = *data;
	char s[32];

	snprintf(s, sizeof(s), "%lld", val);
	if (ok) {
		KUNIT_EXPECT_EQ_MSG(test, atcp_sysctl_write(t, s), 0,
				    "%s = %s", t->procname, s);
		KUNIT_EXPECT_EQ_MSG(test, (long long)*data, val,
				    "%s = %s", t->procname, s);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, atcp_sysctl_write(t, s), -EINVAL,
				    "%s = %s", t->procname, s);
		KUNIT_EXPECT_EQ_MSG(test, *data, before,
				    "%s = %s changed it", t->procname, s);
	}
}

/*
 * Parameterized by entry: in-range and boundary writes are taken; a value
 * one below the minimum or one above the maximum (from the entry's
 * extra1/extra2) fails with EINVAL and changes nothing.
 */
static void atcp_sysctl_test_int_range(struct kunit *test)
{
	const struct atcp_sysctl_int *e = test->param_value;
	struct atcp_sysctl_ctx *ctx = test->priv;
	long long lo, hi, mid;
	struct ctl_table *t;
	int *data;

	t = atcp_sysctl_find(test, ctx->table, ctx->n, e->name);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, t->extra1);
	KUNIT_ASSERT_NOT_NULL(test, t->extra2);
	data = t->data;
	lo = *(int *)t->extra1;
	hi = *(int *)t->extra2;
	mid = lo + (hi - lo) / 2;

	atcp_sysctl_expect_write(test, t, mid, true);
	atcp_sysctl_expect_write(test, t, lo, true);
	atcp_sysctl_expect_write(test, t, hi, true);
	atcp_sysctl_expect_write(test, t, mid, true);
	atcp_sysctl_expect_write(test, t, lo - 1, false);
	atcp_sysctl_expect_write(test, t, hi + 1, false);
	atcp_sysctl_expect_write(test, t, lo - 1000, false);
	atcp_sysctl_expect_write(test, t, hi + 1000, false);
	KUNIT_EXPECT_EQ(test, (long long)*data, mid);

	/* As from echo: a trailing newline is fine; garbage is not. */
	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "1\n"), lo <= 1 && hi >= 1 ?
			0 : -EINVAL);
	*data = mid;
	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "abc"), -EINVAL);
	KUNIT_EXPECT_EQ(test, (long long)*data, mid);
}

/* Reading gives the decimal value and a newline. */
static void atcp_sysctl_test_int_read(struct kunit *test)
{
	const struct atcp_sysctl_int *e = test->param_value;
	struct atcp_sysctl_ctx *ctx = test->priv;
	char buf[32], expect[32];
	struct ctl_table *t;

	t = atcp_sysctl_find(test, ctx->table, ctx->n, e->name);
	KUNIT_ASSERT_NOT_NULL(test, t);

	snprintf(expect, sizeof(expect), "%d\n", *(int *)t->data);
	KUNIT_EXPECT_EQ(test, atcp_sysctl_read(t, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, expect);

	*(int *)t->data = *(int *)t->extra2;
	snprintf(expect, sizeof(expect), "%d\n", *(int *)t->extra2);
	KUNIT_EXPECT_EQ(test, atcp_sysctl_read(t, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, expect);
}

static void atcp_sysctl_test_cc(struct kunit *test)
{
	struct atcp_sysctl_ctx *ctx = test->priv;
	char *cc = ctx->an->congestion_control;
	char buf[32];
	struct ctl_table *t;

	t = atcp_sysctl_find(test, ctx->table, ctx->n, "congestion_control");
	KUNIT_ASSERT_NOT_NULL(test, t);

	KUNIT_EXPECT_EQ(test, atcp_sysctl_read(t, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "cubic\n");

	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "reno"), 0);
	KUNIT_EXPECT_STREQ(test, cc, "reno");
	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "cubic\n"), 0);
	KUNIT_EXPECT_STREQ(test, cc, "cubic");
	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "reno\n"), 0);
	KUNIT_EXPECT_STREQ(test, cc, "reno");
	KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "cubic"), 0);
	KUNIT_EXPECT_STREQ(test, cc, "cubic");

	KUNIT_EXPECT_EQ(test, atcp_sysctl_read(t, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "cubic\n");
}

/*
 * rmem and wmem: three integers each (tcp_rmem, tcp_wmem), Linux's
 * defaults but for wmem[1] (sysctl.rst says why), each value at least 1.
 * A write with one out of range fails with EINVAL and does not store it.
 */
static void atcp_sysctl_test_mem_vectors(struct kunit *test)
{
	static const struct {
		const char *name;
		const char *def;
	} vec[] = {
		{ "rmem", "4096\t131072\t6291456\n" },
		{ "wmem", "4096\t212992\t4194304\n" },
	};
	struct atcp_sysctl_ctx *ctx = test->priv;
	char buf[64];
	int i;

	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		struct ctl_table *t;
		int *v;

		t = atcp_sysctl_find(test, ctx->table, ctx->n, vec[i].name);
		KUNIT_ASSERT_NOT_NULL(test, t);
		v = t->data;
		KUNIT_EXPECT_EQ(test, atcp_sysctl_read(t, buf, sizeof(buf)), 0);
		KUNIT_EXPECT_STREQ(test, buf, vec[i].def);
		KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "4096 540000 15728640"),
				0);
		KUNIT_EXPECT_EQ(test, v[1], 540000);
		KUNIT_EXPECT_EQ(test, v[2], 15728640);
		KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t, "4096 0 15728640"),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, v[1], 540000);
	}
}

/* Anything but reno and cubic fails with EINVAL and changes nothing. */
static void atcp_sysctl_test_cc_reject(struct kunit *test)
{
	static const char * const bad[] = {
		"vegas", "vegas\n", "\n", "Reno", "cubic2", "reno ",
		"cub", "bbr", "cubiccubiccubiccubic", "renorenorenoreno",
	};
	struct atcp_sysctl_ctx *ctx = test->priv;
	char *cc = ctx->an->congestion_control;
	struct ctl_table *t;
	int i;

	t = atcp_sysctl_find(test, ctx->table, ctx->n, "congestion_control");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, atcp_sysctl_write(t, "reno"), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, atcp_sysctl_write(t, bad[i]), -EINVAL,
				    "\"%s\"", bad[i]);
		KUNIT_EXPECT_STREQ_MSG(test, cc, "reno", "after \"%s\"", bad[i]);
	}
}

/* Two namespaces' tables do not share storage. */
static void atcp_sysctl_test_pernet(struct kunit *test)
{
	struct atcp_sysctl_ctx *ctx = test->priv;
	struct ctl_table *t1, *t2, *table2;
	struct atcp_net *an2;
	size_t n2;

	an2 = kunit_kzalloc(test, sizeof(*an2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, an2);
	atcp_net_defaults(an2);
	table2 = atcp_sysctl_table_alloc(an2, &n2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, table2);
	KUNIT_EXPECT_EQ(test, n2, ctx->n);

	t1 = atcp_sysctl_find(test, ctx->table, ctx->n, "keepalive_time");
	t2 = atcp_sysctl_find(test, table2, n2, "keepalive_time");
	if (t1 && t2) {
		KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t2, "60"), 0);
		KUNIT_EXPECT_EQ(test, an2->keepalive_time, 60);
		KUNIT_EXPECT_EQ(test, ctx->an->keepalive_time, 7200);
		KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t1, "30"), 0);
		KUNIT_EXPECT_EQ(test, an2->keepalive_time, 60);
		KUNIT_EXPECT_EQ(test, ctx->an->keepalive_time, 30);
	}

	t1 = atcp_sysctl_find(test, ctx->table, ctx->n, "congestion_control");
	t2 = atcp_sysctl_find(test, table2, n2, "congestion_control");
	if (t1 && t2) {
		KUNIT_EXPECT_EQ(test, atcp_sysctl_write(t2, "reno"), 0);
		KUNIT_EXPECT_STREQ(test, an2->congestion_control, "reno");
		KUNIT_EXPECT_STREQ(test, ctx->an->congestion_control, "cubic");
	}
	kfree(table2);
}

static struct kunit_case atcp_sysctl_test_cases[] = {
	KUNIT_CASE(atcp_sysctl_test_defaults),
	KUNIT_CASE(atcp_sysctl_test_table),
	KUNIT_CASE_PARAM(atcp_sysctl_test_int_range, atcp_sysctl_int_gen_params),
	KUNIT_CASE_PARAM(atcp_sysctl_test_int_read, atcp_sysctl_int_gen_params),
	KUNIT_CASE(atcp_sysctl_test_cc),
	KUNIT_CASE(atcp_sysctl_test_cc_reject),
	KUNIT_CASE(atcp_sysctl_test_mem_vectors),
	KUNIT_CASE(atcp_sysctl_test_pernet),
	{}
};

static struct kunit_suite atcp_sysctl_test_suite = {
	.name = "atcp_sysctl",
	.init = atcp_sysctl_test_init,
	.exit = atcp_sysctl_test_exit,
	.test_cases = atcp_sysctl_test_cases,
};

kunit_test_suite(atcp_sysctl_test_suite);
