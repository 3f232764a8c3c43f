/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rt.h: realtime scheduling for the threads that carry audio: directly
 * where the process may (CAP_SYS_NICE, or RLIMIT_RTPRIO), else through
 * rtkit (org.freedesktop.RealtimeKit1 on the system bus), as desktop audio
 * clients get it. */
#ifndef BC_RT_H
#define BC_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The priority asked for: SCHED_RR at this level, or rtkit's
 * MaxRealtimePriority if lower. PulseAudio's own threads run at 5 (its
 * realtime-priority default), PipeWire's data thread higher. */
#define RT_PRIORITY 5

enum rt_how {
	RT_NONE,    /* normal priority: neither the scheduler nor rtkit allowed it */
	RT_ALREADY, /* the thread is realtime already (SCHED_FIFO or SCHED_RR) */
	RT_DIRECT,  /* sched_setscheduler */
	RT_RTKIT,   /* rtkit's MakeThreadRealtime */
};

/* Make thread tid (of this process) SCHED_RR with SCHED_RESET_ON_FORK
 * (children and the threads it creates start at normal priority): first
 * directly, then through rtkit, at most once per second (a missing rtkit
 * costs one failed connection, not one per thread). Before asking rtkit,
 * RLIMIT_RTTIME is lowered to its RTTimeUSecMax (it refuses otherwise): a
 * realtime thread of this process that runs that long without sleeping is
 * then killed by the kernel. Blocks for at most ~1 s (a D-Bus round trip
 * with a timeout); call it from a thread that may wait, never from the
 * audio callback. The first outcome is logged once; rt_describe() gives the
 * latest. what: the thread, for that log line. */
enum rt_how rt_thread(pid_t tid, const char *what);

/* The latest outcome, for `status`: "SCHED_RR 5 (directly)", "SCHED_RR 5
 * through rtkit", "not granted (why)", or "not asked yet". */
void rt_describe(char *buf, size_t len);

/* Tests: forget what was granted (a new process state). */
void rt_reset(void);

#endif
