/* SPDX-License-Identifier: GPL-3.0-or-later */
/* state.c: the safety notice's record under $XDG_STATE_HOME/backcoach/. */
#include "coach/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coach/config.h"
#include "base/log.h"
#include "base/util.h"

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

char *state_notice_path(void)
{
	char *dir = state_dir(), *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/" NOTICE_FILE, dir);
	free(dir);
	return path;
}

/* The notice file's text, whole ("" when empty), or NULL when there is
 * none. Read as a regular file only: anything else there (a FIFO would
 * block the daemon) counts as no record, with a warning. */
static char *read_record(void)
{
	char *path = state_notice_path(), *text = NULL;
	size_t n = 0, cap = 0;
	char err[128];
	ssize_t got;
	int fd;

	if (!path)
		return NULL;
	fd = util_open_regular(path, err, sizeof(err));
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("safety notice record %s: %s", path, err);
		goto out;
	}
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 4096;
			text = xrealloc(text, cap + 1);
		}
		got = read(fd, text + n, cap - n);
		if (got > 0)
			n += (size_t)got;
	} while (got > 0 || (got < 0 && errno == EINTR));
	if (got < 0) {
		log_warn_errno("safety notice record %s", path);
		free(text);
		text = NULL;
	} else {
		text[n] = '\0';
	}
	close(fd);
out:
	free(path);
	return text;
}

/* Is "kind name" a whole line of text? */
static bool has_line(const char *text, const char *kind, const char *name)
{
	char *want = xasprintf("%s %s", kind, name);
	size_t n = strlen(want);
	bool found = false;

	for (const char *p = text; p && !found; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		found = strncmp(p, want, n) == 0 && (p[n] == '\n' || p[n] == '\0');
	free(want);
	return found;
}

bool state_notice_due(unsigned risks, unsigned *new_risks)
{
	char *text = read_record();

	if (new_risks) {
		*new_risks = 0;
		for (int q = 0; q < EQ_COUNT; q++)
			if ((risks & (1u << q)) &&
			    !has_line(text, "equipment", equipment_names[q]))
				*new_risks |= 1u << q;
	}
	free(text);
	return !text;
}

int state_set_notice_given(unsigned equipment)
{
	char *dir = state_dir(), *path = NULL, *tmp = NULL, *text = NULL;
	FILE *f = NULL;
	char err[128];
	int ret = -1, fd;

	if (!dir) {
		log_warn("cannot remember the safety notice: neither XDG_STATE_HOME nor HOME is set");
		return -1;
	}
	path = xasprintf("%s/" NOTICE_FILE, dir);
	tmp = xasprintf("%s/" NOTICE_FILE ".tmp", dir);
	if (util_mkdir_p(dir, 0700) < 0) {
		log_warn_errno("cannot remember the safety notice: %s", dir);
		goto out;
	}
	text = read_record();
	/* The old lines, then the new ones; replaced whole. The temporary file
	 * is a regular file of ours, or nothing (a FIFO there is not waited on). */
	fd = util_open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600, err,
			    sizeof(err));
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		log_warn("cannot remember the safety notice: %s: %s", tmp,
			 fd < 0 ? err : strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (text && *text)
		fprintf(f, "%s%s", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	if (!text || !*text)
		fputs("notice\n", f);
	for (int q = 0; q < EQ_COUNT; q++)
		if ((equipment & (1u << q)) &&
		    (!text || !has_line(text, "equipment", equipment_names[q])))
			fprintf(f, "equipment %s\n", equipment_names[q]);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		log_warn_errno("cannot remember the safety notice: %s", path);
		unlink(tmp);
		goto out;
	}
	log_debug("safety notice given; remembered in %s", path);
	ret = 0;
out:
	free(text);
	free(tmp);
	free(path);
	free(dir);
	return ret;
}
