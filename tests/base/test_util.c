/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_util.c: durations, text checks, string helpers, files opened as
 * regular files only. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testlib.h"
#include "base/util.h"

START_TEST(duration_good)
{
	static const struct {
		const char *s;
		int64_t ms;
	} cases[] = {
		{ "90s", 90000 },        { "50m", 3000000 },   { "1h30m", 5400000 },
		{ "500ms", 500 },        { "1.5s", 1500 },     { "0s", 0 },
		{ "  2s ", 2000 },       { "24h", 86400000 },  { "1m30s", 90000 },
		{ "1h2m3s4ms", 3723004 }, { ".5s", 500 },      { "7.5s", 7500 },
		{ "0ms", 0 },            { "10ms", 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -1;

		ck_assert_msg(util_parse_duration(cases[i].s, &ms) == 0, "\"%s\" refused",
			      cases[i].s);
		ck_assert_msg(ms == cases[i].ms, "\"%s\" gave %lld, not %lld", cases[i].s,
			      (long long)ms, (long long)cases[i].ms);
	}
}
END_TEST

START_TEST(duration_bad)
{
	static const char *const cases[] = {
		"", "  ", "90", "s", "-5s", "+5s", "1e3s", "0x10s", "30m1h", "1m1m",
		"1 m", "5sec", "1,5s", "2d", "9999999h", "1h 30m", ".s", "1..5s",
		"nan s", "inf", "5S",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = 42;

		ck_assert_msg(util_parse_duration(cases[i], &ms) < 0, "\"%s\" accepted",
			      cases[i]);
		ck_assert_int_eq(ms, 42);
	}
}
END_TEST

START_TEST(duration_format)
{
	char buf[32];

	ck_assert_str_eq(util_format_duration(0, buf, sizeof(buf)), "0s");
	ck_assert_str_eq(util_format_duration(250, buf, sizeof(buf)), "250ms");
	ck_assert_str_eq(util_format_duration(12000, buf, sizeof(buf)), "12s");
	ck_assert_str_eq(util_format_duration(245000, buf, sizeof(buf)), "4m05s");
	ck_assert_str_eq(util_format_duration(5400000, buf, sizeof(buf)), "1h30m");
	ck_assert_str_eq(util_format_duration(59499, buf, sizeof(buf)), "59s");
	/* What it prints, parses back. */
	for (int64_t ms = 1000; ms < 3 * 3600000; ms = ms * 3 + 1000) {
		int64_t back;

		util_format_duration(ms, buf, sizeof(buf));
		ck_assert_msg(util_parse_duration(buf, &back) == 0, "%s", buf);
	}
}
END_TEST

START_TEST(text_ok)
{
	ck_assert(util_text_ok(""));
	ck_assert(util_text_ok("Breathe in."));
	ck_assert(util_text_ok("Tab\tis fine"));
	ck_assert(util_text_ok("R\xc3\xbc" "cken, \xc3\x84rztin")); /* Rücken, Ärztin */
	ck_assert(util_text_ok("\xe2\x80\x94 dash, \xf0\x9f\x99\x82 smile"));
	ck_assert(!util_text_ok("bell\a"));
	ck_assert(!util_text_ok("line\nbreak"));
	ck_assert(!util_text_ok("carriage\r"));
	ck_assert(!util_text_ok("del\x7f"));
	ck_assert(!util_text_ok("\xc2\x85 C1 control"));
	ck_assert(!util_text_ok("latin-1 \xfc"));
	ck_assert(!util_text_ok("cut short \xc3"));
	ck_assert(!util_text_ok("overlong \xc0\xaf"));
	ck_assert(!util_text_ok("overlong \xe0\x80\xaf"));
	ck_assert(!util_text_ok("surrogate \xed\xa0\x80"));
	ck_assert(!util_text_ok("too big \xf4\x90\x80\x80"));
	ck_assert(!util_text_ok("\xff"));
}
END_TEST

START_TEST(utf8_valid)
{
	ck_assert_uint_eq(util_utf8_valid("", 0), 0);
	ck_assert_uint_eq(util_utf8_valid("abc", 3), 3);
	ck_assert_uint_eq(util_utf8_valid("a\0b", 3), 3);
	ck_assert_uint_eq(util_utf8_valid("\xc3\xa4x\xe4y", 5), 3);
	/* A sequence cut short by the end of the buffer. */
	ck_assert_uint_eq(util_utf8_valid("ab\xc3\xa4", 3), 2);
	ck_assert_uint_eq(util_utf8_valid("\x1b[0m", 4), 4); /* controls are valid UTF-8 */
}
END_TEST

START_TEST(strings)
{
	char s[] = " \t padded \n";
	char *p;

	ck_assert_str_eq(util_strip(s), "padded");
	p = xstrndup("abcdef", 3);
	ck_assert_str_eq(p, "abc");
	free(p);
	p = xasprintf("%s-%d", "x", 7);
	ck_assert_str_eq(p, "x-7");
	free(p);
}
END_TEST

/* media.role added to PULSE_PROP / PIPEWIRE_PROPS, never twice, never
 * over the user's own. */
static void env_prop(const char *before, const char *after)
{
	if (before)
		setenv("BC_TEST_PROPS", before, 1);
	else
		unsetenv("BC_TEST_PROPS");
	ck_assert_int_eq(util_env_add_prop("BC_TEST_PROPS", "media.role", "event"), 0);
	ck_assert_str_eq(getenv("BC_TEST_PROPS"), after);
}

START_TEST(env_props)
{
	env_prop(NULL, "media.role=event");
	env_prop("", "media.role=event");
	env_prop("application.name=x", "application.name=x media.role=event");
	env_prop("media.role=music", "media.role=music");
	env_prop("a=1 media.role = phone", "a=1 media.role = phone");
	env_prop("{ node.latency = 1024/48000 }", "{ node.latency = 1024/48000 media.role=event }");
	env_prop("{ \"media.role\": \"Music\" }", "{ \"media.role\": \"Music\" }");
	env_prop("my.media.role=x", "my.media.role=x media.role=event");
	unsetenv("BC_TEST_PROPS");
}
END_TEST

/* A regular file opens, for reading and for appending; a FIFO (no writer,
 * no reader), a symlink to one, a directory and a socket are refused at
 * once with what they are (a wait would trip Check's timeout); so is
 * anything where a file is to be created afresh. */
START_TEST(open_file)
{
	char dir[] = "/tmp/bc-util.XXXXXX", err[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const int flags[] = {
		O_RDONLY, O_WRONLY | O_APPEND | O_CREAT, O_RDWR | O_APPEND | O_CREAT,
	};
	int fd, s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *file = xasprintf("%s/file", dir), *fifo = xasprintf("%s/fifo", dir);
	char *link = xasprintf("%s/link", dir), *sock = xasprintf("%s/sock", dir);
	char *dlink = xasprintf("%s/dlink", dir), *none = xasprintf("%s/none", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(symlink(fifo, link), 0);
	ck_assert_int_eq(symlink(file, dlink), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	ck_assert_int_ge(s = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);

	fd = util_open_file(file, O_WRONLY | O_CREAT, 0600, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++) {
		fd = util_open_file(file, flags[i], 0600, err, sizeof(err));
		ck_assert_int_ge(fd, 0);
		close(fd);
		for (int nofollow = 0; nofollow < 2; nofollow++) {
			int f = flags[i] | (nofollow ? O_NOFOLLOW : 0);

			errno = 0;
			ck_assert_int_lt(util_open_file(fifo, f, 0600, err, sizeof(err)), 0);
			ck_assert_str_eq(err, "not a regular file");
			ck_assert_int_eq(errno, ENXIO);
			ck_assert_int_lt(util_open_file(sock, f, 0600, err, sizeof(err)), 0);
			ck_assert_str_eq(err, "not a regular file");
			ck_assert_int_lt(util_open_file(link, f, 0600, err, sizeof(err)), 0);
			ck_assert_str_eq(err, nofollow ? "is a symbolic link, not a file"
						       : "not a regular file");
			ck_assert_int_lt(util_open_file(dir, f, 0600, err, sizeof(err)), 0);
			ck_assert_str_eq(err, "is a directory, not a file");
			ck_assert_int_eq(errno, EISDIR);
			fd = util_open_file(dlink, f, 0600, err, sizeof(err));
			ck_assert_msg(nofollow ? fd < 0 : fd >= 0, "%s", err);
			if (fd >= 0)
				close(fd);
		}
	}
	/* Created afresh (O_EXCL, a temporary file): whatever is there is
	 * refused, and said. */
	{
		const int x = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
		const struct { const char *path, *err; int e; } there[] = {
			{ file, "already exists", EEXIST },
			{ fifo, "not a regular file", ENXIO },
			{ sock, "not a regular file", ENXIO },
			{ link, "is a symbolic link, not a file", ELOOP },
			{ dlink, "is a symbolic link, not a file", ELOOP },
			{ dir, "is a directory, not a file", EISDIR },
		};

		for (size_t i = 0; i < sizeof(there) / sizeof(*there); i++) {
			errno = 0;
			ck_assert_int_lt(util_open_file(there[i].path, x, 0600, err, sizeof(err)), 0);
			ck_assert_str_eq(err, there[i].err);
			ck_assert_int_eq(errno, there[i].e);
		}
		ck_assert_int_ge(fd = util_open_file(none, x, 0600, err, sizeof(err)), 0);
		close(fd);
		unlink(none);
	}
	ck_assert_int_lt(util_open_regular(none, err, sizeof(err)), 0);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err, "cannot open: No such file or directory");
	close(s);
	unlink(file), unlink(fifo), unlink(link), unlink(sock), unlink(dlink);
	ck_assert_int_eq(rmdir(dir), 0);
	free(file), free(fifo), free(link), free(sock), free(dlink), free(none);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, duration_good);
	tcase_add_test(tc, duration_bad);
	tcase_add_test(tc, duration_format);
	tcase_add_test(tc, text_ok);
	tcase_add_test(tc, utf8_valid);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, env_props);
	tcase_add_test(tc, open_file);
	suite_add_tcase(s, tc);
	return test_run(s);
}
