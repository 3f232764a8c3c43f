/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control.c: `backcoach start/stop/pause/...`: one request to the daemon.
 *
 * Protocol (one connection per command): the client sends one line,
 * "COMMAND[ ARG]\n"; the daemon answers "OK\n" or "ERR\n", then text for the
 * user, and closes. */
#include "cli/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/log.h"
#include "daemon/runtime.h"
#include "base/util.h"

/* Long enough for the daemon to compile a routine that was not ready. */
#define CONTROL_TIMEOUT_S 30

static int no_daemon(const char *why)
{
	log_err("no daemon is running for this user (%s).", why);
	log_err("Start one with `backcoach run` or `systemctl --user start backcoach`.");
	return EXIT_NODAEMON;
}

int control_client(const char *cmd, const char *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_S };
	char err[512], buf[4096];
	char *dir, *path, *req;
	size_t got = 0;
	ssize_t n;
	int fd, ret = EXIT_FAIL;

	dir = runtime_dir(false, err, sizeof(err));
	if (!dir)
		return no_daemon(err);
	path = xasprintf("%s/" RUNTIME_SOCKET, dir);
	free(dir);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("%s: path too long for a socket", path);
		free(path);
		return EXIT_FAIL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_errno("socket");
		free(path);
		return EXIT_FAIL;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED) {
			snprintf(err, sizeof(err), "nothing listens on %s", path);
			free(path);
			return no_daemon(err);
		}
		errno = e;
		log_errno("%s", path);
		free(path);
		return EXIT_FAIL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	req = arg && *arg ? xasprintf("%s %s\n", cmd, arg) : xasprintf("%s\n", cmd);
	if (strlen(req) > CONTROL_MAX_REQUEST) {
		log_err("request too long");
		goto out;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		log_errno("sending to the daemon");
		goto out;
	}
	shutdown(fd, SHUT_WR);
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				log_err("no answer from the daemon: timed out");
			else
				log_errno("no answer from the daemon");
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strncmp(buf, "OK\n", 3) == 0) {
		fputs(buf + 3, stdout);
		ret = EXIT_OK;
	} else if (strncmp(buf, "ERR\n", 4) == 0) {
		/* The daemon's words, as "backcoach: ..." lines. */
		for (char *line = strtok(buf + 4, "\n"); line;
		     line = strtok(NULL, "\n"))
			log_err("%s", line);
	} else {
		log_err("the daemon closed the connection without an answer");
	}
out:
	free(req);
	free(path);
	close(fd);
	return ret;
}
