/* SPDX-License-Identifier: GPL-3.0-or-later */
/* notify.h: tell systemd how the service is doing (sd_notify protocol). */
#ifndef BC_NOTIFY_H
#define BC_NOTIFY_H

/* Each call sends one datagram to $NOTIFY_SOCKET; without it (not started by
 * systemd with Type=notify) they do nothing. Errors are ignored: the daemon
 * works the same without a service manager. */

void notify_ready(void);     /* READY=1 (and MAINPID) */
void notify_reloading(void); /* RELOADING=1 */
void notify_stopping(void);  /* STOPPING=1 */
/* STATUS=... one line shown by `systemctl --user status`. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
