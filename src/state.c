/* state.c: the first-session flag under $XDG_STATE_HOME/backcoach/. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define NOTICE_FILE "notice-given"

char *state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME");
	const char *home;

	if (x && x[0] == '/')
		return xasprintf("%s/backcoach", x);
	home = getenv("HOME");
	if (!home || home[0] != '/')
		return NULL;
	return xasprintf("%s/.local/state/backcoach", home);
}

bool state_notice_given(void)
{
	char *dir = state_dir();
	char *path;
	bool given;

	if (!dir)
		return false;
	path = xasprintf("%s/" NOTICE_FILE, dir);
	given = access(path, F_OK) == 0;
	free(path);
	free(dir);
	return given;
}

int state_set_notice_given(void)
{
	char *dir = state_dir();
	char *path = NULL;
	int fd, ret = -1;

	if (!dir) {
		log_warn("cannot remember the safety notice: neither XDG_STATE_HOME nor HOME is set");
		return -1;
	}
	path = xasprintf("%s/" NOTICE_FILE, dir);
	if (util_mkdir_p(dir, 0700) < 0) {
		log_warn_errno("cannot remember the safety notice: %s", dir);
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn_errno("cannot remember the safety notice: %s", path);
		goto out;
	}
	close(fd);
	log_debug("safety notice given; remembered in %s", path);
	ret = 0;
out:
	free(path);
	free(dir);
	return ret;
}
