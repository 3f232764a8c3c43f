/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runtime.h: this user's runtime directory: daemon lock and control socket. */
#ifndef BC_RUNTIME_H
#define BC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* $XDG_RUNTIME_DIR/backcoach, or /tmp/backcoach-UID when XDG_RUNTIME_DIR is
 * unset. create: make it (mode 0700) if missing. Refuses a directory that is
 * not ours or that others can enter. Returns a malloc'd path, or NULL with err
 * filled. */
char *runtime_dir(bool create, char *err, size_t errlen);

/* Names inside the runtime directory. */
#define RUNTIME_LOCK "lock"       /* flock'd by the one daemon; holds its pid */
#define RUNTIME_SOCKET "control"  /* the control socket, mode 0600 */

/* Take the one-daemon-per-user lock: returns the lock fd (keep it open for
 * the daemon's life), -1 with err filled on error, or -2 when another daemon
 * holds it (*other = its pid, 0 if unknown). */
int runtime_lock(const char *dir, pid_t *other, char *err, size_t errlen);

/* Listen on the control socket (replacing a stale one: the lock is held).
 * Non-blocking, close-on-exec. Returns the fd or -1 with err filled. */
int runtime_listen(const char *dir, char *err, size_t errlen);

/* Is the peer of a connected socket this user (SO_PEERCRED)? */
bool runtime_peer_ok(int fd);

/* Longest request and reply line. */
#define CONTROL_MAX_REQUEST 512

#endif
