/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control.h: talk to this user's running daemon over its Unix socket. */
#ifndef BC_CONTROL_H
#define BC_CONTROL_H

/* Send one command ("start [ROUTINE]", "stop", "pause", "resume", "skip",
 * "reload", "status") to the running daemon and print its reply. Returns an
 * exit code: 0, EXIT_NODAEMON when none runs, EXIT_FAIL when it refused. */
int control_client(const char *cmd, const char *arg);

#endif
