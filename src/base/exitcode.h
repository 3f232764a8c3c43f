/* SPDX-License-Identifier: GPL-3.0-or-later */
/* exitcode.h: the exit codes every command and the daemon share (backcoach(1) EXIT STATUS). */
#ifndef BC_EXITCODE_H
#define BC_EXITCODE_H

#define EXIT_OK 0
#define EXIT_FAIL 1      /* runtime failure: no audio device, speech failed */
#define EXIT_USAGE 64    /* EX_USAGE: bad command line */
#define EXIT_NOINPUT 66  /* EX_NOINPUT: unknown routine */
#define EXIT_NODAEMON 69 /* EX_UNAVAILABLE: no daemon running (control commands) */
#define EXIT_CONFIG 78   /* EX_CONFIG: bad config */
#define EXIT_INTERRUPTED 130 /* SIGINT or SIGTERM ended a foreground command */

#endif
