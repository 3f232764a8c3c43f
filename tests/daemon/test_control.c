/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_control.c: the daemon's control request parser (control_parse): what
 * a client of the same user may send, well formed or not. */
#include <string.h>

#include "daemon/control_server.h"
#include "daemon/runtime.h"
#include "testlib.h"
#include "base/util.h"

/* Parses a copy of req (len bytes); returns 0 or -1, and the parts. */
static int parse(const char *req, size_t len, char *cmd, char *arg, char *err)
{
	char *buf = xmalloc(CONTROL_MAX_REQUEST + 1), *c, *a;
	int r;

	memcpy(buf, req, len);
	r = control_parse(buf, len, &c, &a, err, 256);
	strcpy(cmd, c ? c : "(null)");
	strcpy(arg, a ? a : "(null)");
	free(buf);
	return r;
}

#define OK(req, want_cmd, want_arg)                                                \
	do {                                                                       \
		ck_assert_msg(parse(req, sizeof(req) - 1, cmd, arg, err) == 0,     \
			      "%s: %s", req, err);                                 \
		ck_assert_str_eq(cmd, want_cmd);                                   \
		ck_assert_str_eq(arg, want_arg);                                   \
	} while (0)
#define BAD(req, want_err)                                                         \
	do {                                                                       \
		ck_assert_int_eq(parse(req, sizeof(req) - 1, cmd, arg, err), -1);  \
		ck_assert_str_eq(err, want_err);                                   \
		ck_assert_str_eq(cmd, "(null)");                                   \
	} while (0)

START_TEST(well_formed)
{
	char cmd[CONTROL_MAX_REQUEST + 1], arg[CONTROL_MAX_REQUEST + 1], err[256];

	OK("status\n", "status", "(null)");
	OK("start desk-break\n", "start", "desk-break");
	OK("stop", "stop", "(null)");           /* no newline: end of data */
	OK("reload\r\n", "reload", "(null)");   /* CR LF */
	OK("  pause \t\n", "pause", "(null)");  /* blanks around */
	OK("skip\nstatus\n", "skip", "(null)"); /* only the first line */
	OK("start r\xc3\xbc" "cken\n", "start", "r\xc3\xbc" "cken");
}
END_TEST

START_TEST(malformed)
{
	char cmd[CONTROL_MAX_REQUEST + 1], arg[CONTROL_MAX_REQUEST + 1], err[256];
	char big[CONTROL_MAX_REQUEST + 1];

	BAD("\n", "empty request");
	BAD("", "empty request");
	BAD(" \t\r\n", "empty request");
	BAD("start a b\n", "too many arguments: one word at most after \"start\"");
	BAD("STATUS\n", "unknown command \"STATUS\"");
	BAD("st@tus now\n", "unknown command \"st@tus\"");
	BAD("stop\0now\n", "request is not text");
	BAD("stop \x01\n", "request is not text");
	BAD("start \xff\xfe\n", "request is not text");
	/* A full buffer without a newline. */
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(parse(big, CONTROL_MAX_REQUEST, cmd, arg, err), -1);
	ck_assert_str_eq(err, "request too long (at most 512 bytes)");
	/* A long word is quoted short. */
	memset(big, 'A', CONTROL_MAX_REQUEST - 1);
	big[CONTROL_MAX_REQUEST - 1] = '\n';
	ck_assert_int_eq(parse(big, CONTROL_MAX_REQUEST, cmd, arg, err), -1);
	ck_assert_uint_lt(strlen(err), 70);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, well_formed);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	return test_run(s);
}
