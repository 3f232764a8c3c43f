/* state.c: the safety notice's record under $XDG_STATE_HOME/backcoach/. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define NOTICE_FILE "notice-given"
#define MAX_STATE (64 * 1024) /* bytes read of the file */

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

/* The notice file's text ("" when empty), or NULL when there is none. */
static char *read_record(void)
{
	char *dir = state_dir(), *path, *text = NULL;
	FILE *f;

	if (!dir)
		return NULL;
	path = xasprintf("%s/" NOTICE_FILE, dir);
	if ((f = fopen(path, "r"))) {
		size_t n;

		text = xmalloc(MAX_STATE + 1);
		n = fread(text, 1, MAX_STATE, f);
		text[n] = '\0';
		fclose(f);
	}
	free(path);
	free(dir);
	return text;
}

/* Is "kind name" a whole line of text? */
static bool has_line(const char *text, const char *kind, const char *name)
{
	char *want = xasprintf("%s %s", kind, name);
	size_t n = strlen(want);
	bool found = false;

	for (const char *p = text; p && *p && !found; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		found = strncmp(p, want, n) == 0 && (p[n] == '\n' || p[n] == '\0');
	free(want);
	return found;
}

bool state_notice_given(void)
{
	char *text = read_record();
	bool given = text != NULL;

	free(text);
	return given;
}

bool state_notice_due(const char *routine, unsigned equipment)
{
	char *text = read_record();
	bool due = !text || !has_line(text, "routine", routine);

	for (int q = 0; q < EQ_COUNT && !due; q++)
		if (equipment & (1u << q))
			due = !has_line(text, "equipment", equipment_names[q]);
	free(text);
	return due;
}

int state_set_notice_given(const char *routine, unsigned equipment)
{
	char *dir = state_dir(), *path = NULL, *tmp = NULL, *text = NULL;
	FILE *f = NULL;
	int ret = -1;

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
	/* The old lines, then the new ones; replaced whole. */
	if (!(f = fopen(tmp, "we"))) {
		log_warn_errno("cannot remember the safety notice: %s", tmp);
		goto out;
	}
	if (text && *text)
		fprintf(f, "%s%s", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	if (!text || !has_line(text, "routine", routine))
		fprintf(f, "routine %s\n", routine);
	for (int q = 0; q < EQ_COUNT; q++)
		if ((equipment & (1u << q)) &&
		    (!text || !has_line(text, "equipment", equipment_names[q])))
			fprintf(f, "equipment %s\n", equipment_names[q]);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		log_warn_errno("cannot remember the safety notice: %s", path);
		unlink(tmp);
		goto out;
	}
	log_debug("safety notice given for %s; remembered in %s", routine, path);
	ret = 0;
out:
	free(text);
	free(tmp);
	free(path);
	free(dir);
	return ret;
}
