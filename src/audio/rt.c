/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rt.c: realtime scheduling for audio threads, directly or through rtkit. */
#include "audio/rt.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>
#endif

#include "base/log.h"
#include "base/util.h"

#define RTKIT_NAME "org.freedesktop.RealtimeKit1"
#define RTKIT_PATH "/org/freedesktop/RealtimeKit1"
#define RTKIT_IFACE "org.freedesktop.RealtimeKit1"
#define RTKIT_TIMEOUT_US 500000   /* per D-Bus call */
#define RTKIT_RETRY_S 10.0        /* after a failure, don't ask again for this long */

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static char latest[200] = "not asked yet";
static char logged[200];
static double rtkit_failed_at = -1e9;
static char rtkit_why[160];

/* Record an outcome; log it the first time it is seen. */
static void note(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const char *what, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rt_lock);
	va_start(ap, fmt);
	vsnprintf(latest, sizeof(latest), fmt, ap);
	va_end(ap);
	if (strcmp(latest, logged)) {
		snprintf(logged, sizeof(logged), "%s", latest);
		log_info("realtime scheduling: %s (first asked for the %s thread)", latest, what);
	}
	pthread_mutex_unlock(&rt_lock);
}

#ifdef HAVE_LIBSYSTEMD
/* rtkit: its limits first (MaxRealtimePriority, RTTimeUSecMax), RLIMIT_RTTIME
 * lowered to the latter, then MakeThreadRealtime. 0 with *prio set, or -1
 * with why filled. */
static int rtkit_make(pid_t tid, int *prio, char *why, size_t len)
{
	sd_bus *bus = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int32_t maxprio = 0;
	int64_t rttime = 0;
	struct rlimit rl;
	int r;

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		snprintf(why, len, "no system bus for rtkit: %s", strerror(-r));
		return -1;
	}
	sd_bus_set_method_call_timeout(bus, RTKIT_TIMEOUT_US);
	r = sd_bus_get_property_trivial(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_IFACE,
					"MaxRealtimePriority", &e, 'i', &maxprio);
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_IFACE,
						"RTTimeUSecMax", &e, 'x', &rttime);
	if (r < 0) {
		snprintf(why, len, "rtkit: %s", e.message ? e.message : strerror(-r));
		goto fail;
	}
	*prio = maxprio < RT_PRIORITY ? maxprio : RT_PRIORITY;
	if (*prio < 1 || rttime <= 0) {
		snprintf(why, len, "rtkit allows priority %d, %lld us", (int)maxprio,
			 (long long)rttime);
		goto fail;
	}
	/* rtkit refuses a process that could run realtime for longer than
	 * RTTimeUSecMax without sleeping. */
	if (getrlimit(RLIMIT_RTTIME, &rl) == 0 &&
	    (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)rttime)) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)rttime;
		if (setrlimit(RLIMIT_RTTIME, &rl) < 0) {
			snprintf(why, len, "cannot lower RLIMIT_RTTIME for rtkit: %s",
				 strerror(errno));
			goto fail;
		}
	}
	r = sd_bus_call_method(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_IFACE, "MakeThreadRealtime",
			       &e, NULL, "tu", (uint64_t)tid, (uint32_t)*prio);
	if (r < 0) {
		snprintf(why, len, "rtkit refused: %s", e.message ? e.message : strerror(-r));
		goto fail;
	}
	sd_bus_flush_close_unref(bus);
	return 0;
fail:
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
	return -1;
}
#endif

enum rt_how rt_thread(pid_t tid, const char *what)
{
	struct sched_param sp = { .sched_priority = RT_PRIORITY };
	int pol = sched_getscheduler(tid);
	char direct[80], why[160];
	int prio = 0;

	if (pol < 0)
		return RT_NONE; /* the thread is gone */
	pol &= ~SCHED_RESET_ON_FORK;
	if (pol == SCHED_FIFO || pol == SCHED_RR)
		return RT_ALREADY;
	if (sched_setscheduler(tid, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == 0) {
		note(what, "SCHED_RR %d (directly)", RT_PRIORITY);
		return RT_DIRECT;
	}
	snprintf(direct, sizeof(direct), "sched_setscheduler: %s", strerror(errno));
#ifdef HAVE_LIBSYSTEMD
	pthread_mutex_lock(&rt_lock);
	bool retry = util_now() - rtkit_failed_at >= RTKIT_RETRY_S;
	snprintf(why, sizeof(why), "%s", rtkit_why);
	pthread_mutex_unlock(&rt_lock);
	if (retry) {
		if (rtkit_make(tid, &prio, why, sizeof(why)) == 0) {
			note(what, "SCHED_RR %d through rtkit", prio);
			return RT_RTKIT;
		}
		pthread_mutex_lock(&rt_lock);
		rtkit_failed_at = util_now();
		snprintf(rtkit_why, sizeof(rtkit_why), "%s", why);
		pthread_mutex_unlock(&rt_lock);
	}
#else
	(void)prio;
	snprintf(why, sizeof(why), "built without sd-bus for rtkit");
#endif
	note(what, "not granted (%s; %s)", direct, why);
	return RT_NONE;
}

void rt_describe(char *buf, size_t len)
{
	pthread_mutex_lock(&rt_lock);
	snprintf(buf, len, "%s", latest);
	pthread_mutex_unlock(&rt_lock);
}

void rt_reset(void)
{
	pthread_mutex_lock(&rt_lock);
	snprintf(latest, sizeof(latest), "not asked yet");
	logged[0] = 0;
	rtkit_why[0] = 0;
	rtkit_failed_at = -1e9;
	pthread_mutex_unlock(&rt_lock);
}
