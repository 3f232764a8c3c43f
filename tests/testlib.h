/* SPDX-License-Identifier: GPL-3.0-or-later */
/* testlib.h: helpers shared by the Check unit tests. */
#ifndef BC_TESTLIB_H
#define BC_TESTLIB_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Assertions for long loops. Check records every passing assertion (each
 * ck_assert_* that holds writes a mark the runner reads back), so one per
 * sample over a few seconds of audio is millions of marks: minutes under
 * the sanitizers. These call Check once: on the first failure, or (for
 * ck_assert_each) with one passing mark after the loop.
 *
 * ck_assert_each(type, i, from, to, cond, fmt, ...): COND holds for every
 * I (declared here, of TYPE) in [FROM, TO). The first I where it does not
 * fails the test with COND, I and FMT (say the values there).
 */
#define ck_assert_each(type, i, from, to, cond, fmt, ...)		\
	do {								\
		type i = (from), i##_end_ = (to);			\
									\
		while (i < i##_end_ && (cond))				\
			i++;						\
		ck_assert_msg(i >= i##_end_, "'%s' failed at %s = %lld: " fmt, \
			      #cond, #i, (long long)i, __VA_ARGS__);	\
	} while (0)

/*
 * ck_assert_quiet(cond, fmt, ...): ck_assert_msg for the body of a long loop
 * that checks more than one thing per element; Check hears of it only if
 * COND fails (say which element, and the values, in FMT).
 */
#define ck_assert_quiet(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			ck_abort_msg("'%s' failed: " fmt, #cond, __VA_ARGS__); \
	} while (0)

/* Path of a fixture in tests/data (from $TEST_DATA, set by make check). */
static inline const char *test_data(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("TEST_DATA");
	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/data", name);
	return buf;
}

/* Run one suite; exit status for automake's harness. */
static inline int test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
