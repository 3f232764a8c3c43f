/* testlib.h: helpers shared by the Check unit tests. */
#ifndef BC_TESTLIB_H
#define BC_TESTLIB_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

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
