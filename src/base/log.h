/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.h: messages to stderr, with sd-daemon priority prefixes under journald. */
#ifndef BC_LOG_H
#define BC_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

/* verbose: also print LOG_DEBUG. Prefixes "<N>" when stderr is the journal
 * ($JOURNAL_STREAM names stderr's device and inode), plain text otherwise. */
void log_init(bool verbose);
bool log_verbose(void);

void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_msg, then ": " and strerror(errno) (errno as it was on entry). */
void log_msg_errno(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A kind of message said at most once per interval (a storm of bad
 * signals, a bus that drops every connection): log_limit_ok says whether
 * to say it now, and how many were held back since it last was. Start
 * zeroed. */
struct log_limit {
	int64_t next_ms;   /* CLOCK_MONOTONIC; 0: say the next at once */
	unsigned held;
};
bool log_limit_ok(struct log_limit *l, int64_t interval_ms, unsigned *held);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_errno(...) log_msg_errno(LOG_ERR, __VA_ARGS__)
#define log_warn_errno(...) log_msg_errno(LOG_WARNING, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
