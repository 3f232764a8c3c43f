/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runtime.c: the per-user runtime directory, daemon lock and control socket. */
#include "daemon/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"

char *runtime_dir(bool create, char *err, size_t errlen)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	char *dir;
	struct stat st;

	if (x && x[0] == '/')
		dir = xasprintf("%s/backcoach", x);
	else
		dir = xasprintf("/tmp/backcoach-%lu", (unsigned long)getuid());
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "%s: not a private directory of this user (want mode 0700, owner uid %lu)",
			 dir, (unsigned long)getuid());
		goto fail;
	}
	return dir;
fail:
	free(dir);
	return NULL;
}

int runtime_lock(const char *dir, pid_t *other, char *err, size_t errlen)
{
	char *path = xasprintf("%s/" RUNTIME_LOCK, dir);
	char buf[32], why[128];
	int fd = util_open_file(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600, why,
				sizeof(why));
	ssize_t n;

	*other = 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			n = pread(fd, buf, sizeof(buf) - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				*other = (pid_t)strtol(buf, NULL, 10);
			}
			close(fd);
			free(path);
			return -2;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		/* The pid is only for messages; the lock is what counts. */
	}
	free(path);
	return fd;
}

int runtime_listen(const char *dir, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = xasprintf("%s/" RUNTIME_SOCKET, dir);
	int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a socket", path);
		goto fail;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* We hold the lock, so a socket file left here is stale. */
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	mode_t old = umask(077); /* socket created 0600 */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(path);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	free(path);
	return -1;
}

bool runtime_peer_ok(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == getuid();
}
