/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control_server.h: the daemon's end of the control socket (control.h is
 * the client's): one request per connection, run through the command
 * table (commands.h). */
#ifndef BC_CONTROL_SERVER_H
#define BC_CONTROL_SERVER_H

#include <stddef.h>

struct command_target;
struct control_server;
struct loop;

/* Listen on rundir's control socket and serve it from loop, running
 * requests on t (which must outlive the server). NULL with err filled on
 * error. */
struct control_server *control_server_open(struct loop *l, const char *rundir,
					   const struct command_target *t, char *err,
					   size_t errlen);
/* The daemon's side: one request as read from a client, len bytes at buf
 * (buf has room for a NUL after them). A request is one line of UTF-8 text:
 * COMMAND (a-z), optionally one blank and one ARG word, then "\n" (or the end
 * of the data; a CR before the newline and bytes after it are ignored).
 * Returns 0 with *cmd and *arg (NULL if none) NUL-terminated in place in
 * buf, or -1 with the reason in err. */
int control_parse(char *buf, size_t len, char **cmd, char **arg, char *err,
		  size_t errlen);

/* Run again the requests that were not yet to be carried out (a command
 * that returned 1: commands.h); their clients have waited for the answer.
 * NULL is fine. */
void control_server_retry(struct control_server *cs);

/* Close every connection and the socket, and remove the socket file.
 * NULL is fine. */
void control_server_close(struct control_server *cs);

#endif
