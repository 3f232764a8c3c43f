/* control.h: talk to this user's running daemon over its Unix socket. */
#ifndef BC_CONTROL_H
#define BC_CONTROL_H

/* Send one command ("start [ROUTINE]", "stop", "pause", "resume", "skip",
 * "reload", "status") to the running daemon and print its reply. Returns an
 * exit code: 0, EXIT_NODAEMON when none runs, EXIT_FAIL when it refused. */
int control_client(const char *cmd, const char *arg);

#include <stddef.h>

/* The daemon's side: one request as read from a client, len bytes at buf
 * (buf has room for a NUL after them). A request is one line of UTF-8 text:
 * COMMAND (a-z), optionally one blank and one ARG word, then "\n" (or the end
 * of the data; a CR before the newline and bytes after it are ignored).
 * Returns 0 with *cmd and *arg (NULL if none) NUL-terminated in place in
 * buf, or -1 with the reason in err. */
int control_parse(char *buf, size_t len, char **cmd, char **arg, char *err,
		  size_t errlen);

#endif
