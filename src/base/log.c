/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.c: messages to stderr, with sd-daemon priority prefixes under journald. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool verbose;
static bool journal;

/* stderr is the journal when $JOURNAL_STREAM is "DEV:INODE" of fd 2. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_init(bool v)
{
	verbose = v;
	journal = stderr_is_journal();
}

bool log_verbose(void)
{
	return verbose;
}

void log_msg(int priority, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (priority >= LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One write per message, so lines from threads do not interleave. */
	if (journal)
		fprintf(stderr, "<%d>%s\n", priority, buf);
	else if (priority <= LOG_ERR)
		fprintf(stderr, "backcoach: %s\n", buf);
	else
		fprintf(stderr, "backcoach: %s\n", buf);
}

void log_msg_errno(int priority, const char *fmt, ...)
{
	int e = errno;
	char buf[1900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(priority, "%s: %s", buf, strerror(e));
}

bool log_limit_ok(struct log_limit *l, int64_t interval_ms, unsigned *held)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (l->next_ms && now < l->next_ms) {
		l->held++;
		return false;
	}
	if (held)
		*held = l->held;
	l->held = 0;
	l->next_ms = now + interval_ms;
	return true;
}
