/* speech.c: eSpeak NG text-to-speech: voice lookup (synthesis comes next). */
#include "speech.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "log.h"
#include "util.h"

/* Longest variant name we accept (eSpeak keeps "!v/NAME" in 40 bytes). */
#define SPEECH_MAX_VARIANT 32

/* ---- voice lookup ------------------------------------------------------ */

/* Names of the installed language voices, found once (lowercase, sorted). */
static struct {
	pthread_once_t once;
	char datadir[PATH_MAX];
	char **names; /* file names under lang/, lowercased: "en-us", "de" */
	size_t n_names;
	char **codes; /* "language" lines of those files: "en", "en-gb" */
	size_t n_codes;
} voices = { .once = PTHREAD_ONCE_INIT };

static void strv_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Record a language voice file: its name and its "language CODE" lines. */
static void scan_voice_file(const char *path, const char *fname)
{
	char line[256], code[64], *name = xstrdup(fname);
	FILE *f = fopen(path, "r");

	str_lower(name);
	strv_add(&voices.names, &voices.n_names, name);
	free(name);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "language %63s", code) == 1) {
			str_lower(code);
			strv_add(&voices.codes, &voices.n_codes, code);
		}
	}
	fclose(f);
}

static void scan_lang_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 4)
				scan_lang_dir(p, depth + 1);
			else if (S_ISREG(st.st_mode))
				scan_voice_file(p, de->d_name);
		}
		free(p);
	}
	closedir(d);
}

/* eSpeak NG's data directory, as the library itself would find it. The
 * parent only asks for the path: eSpeak NG is initialised in the worker. */
static void voices_init(void)
{
	const char *path = NULL;
	char *lang;

	espeak_ng_InitializePath(NULL);
	espeak_Info(&path);
	snprintf(voices.datadir, sizeof(voices.datadir), "%s", path ? path : "");
	lang = xasprintf("%s/lang", voices.datadir);
	scan_lang_dir(lang, 0);
	free(lang);
	if (voices.n_names)
		qsort(voices.names, voices.n_names, sizeof(char *), cmp_str);
	if (voices.n_codes)
		qsort(voices.codes, voices.n_codes, sizeof(char *), cmp_str);
}

static void voices_load(void)
{
	pthread_once(&voices.once, voices_init);
}

bool speech_language_exists(const char *name)
{
	if (!name || !*name || strlen(name) > 40)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	voices_load();
	for (size_t i = 0; i < voices.n_names; i++)
		if (strcasecmp(voices.names[i], name) == 0)
			return true;
	for (size_t i = 0; i < voices.n_codes; i++)
		if (strcasecmp(voices.codes[i], name) == 0)
			return true;
	return false;
}

static bool variant_name_ok(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (const char *p = name; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return n > 0 && n <= SPEECH_MAX_VARIANT;
}

/* Calls fn(dir, arg) for each directory that may hold shipped variants, in
 * the order documented in speech.h; stops when fn returns true. */
static bool for_voice_dirs(bool (*fn)(const char *dir, void *arg), void *arg)
{
	const char *env = getenv("BACKCOACH_VOICE_PATH");
	bool done = false;
	char *s;

	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;

		for (s = strtok_r(copy, ":", &save); s && !done;
		     s = strtok_r(NULL, ":", &save))
			done = fn(s, arg);
		free(copy);
		if (done)
			return true;
	}

	env = getenv("XDG_DATA_HOME");
	if (env && *env == '/')
		s = xasprintf("%s/backcoach/voices", env);
	else if ((env = getenv("HOME")) && *env == '/')
		s = xasprintf("%s/.local/share/backcoach/voices", env);
	else
		s = NULL;
	if (s) {
		done = fn(s, arg);
		free(s);
		if (done)
			return true;
	}

#ifdef BC_VOICESDIR
	if (fn(BC_VOICESDIR, arg))
		return true;
#endif

	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			s = xasprintf("%s/../voices", exe);
			done = fn(s, arg);
			free(s);
		}
	}
	return done;
}

static bool is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool dir_has_variant(const char *dir, void *arg)
{
	char *p = xasprintf("%s/%s", dir, (const char *)arg);
	bool ok = is_regular(p);

	free(p);
	return ok;
}

bool speech_variant_exists(const char *name)
{
	char *p;
	bool ok;

	if (!variant_name_ok(name))
		return false;
	if (for_voice_dirs(dir_has_variant, (void *)name))
		return true;
	voices_load();
	p = xasprintf("%s/voices/!v/%s", voices.datadir, name);
	ok = is_regular(p);
	free(p);
	return ok;
}

/* Appends the valid variant names found in dir to a list. */
struct name_list {
	char **v;
	size_t n;
};

static void list_variants_in(const char *dir, struct name_list *l)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (!variant_name_ok(de->d_name))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (is_regular(p))
			strv_add(&l->v, &l->n, de->d_name);
		free(p);
	}
	closedir(d);
}

static bool collect_variants(const char *dir, void *arg)
{
	list_variants_in(dir, arg);
	return false;
}

static void print_list(FILE *f, char **v, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(v[i]) + 1;

		if (col && col + w > 76) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%s%s", col ? " " : "  ", v[i]);
		col += w + (col ? 0 : 1);
	}
	if (col)
		fputc('\n', f);
}

void speech_list_voices(FILE *f)
{
	struct name_list shipped = { 0 }, system = { 0 };
	char *p;

	voices_load();
	fprintf(f, "Languages (eSpeak NG, %s):\n", voices.datadir);
	print_list(f, voices.names, voices.n_names);

	for_voice_dirs(collect_variants, &shipped);
	if (shipped.n)
		qsort(shipped.v, shipped.n, sizeof(char *), cmp_str);
	fprintf(f, "Variants shipped with backcoach:\n");
	print_list(f, shipped.v, shipped.n);

	p = xasprintf("%s/voices/!v", voices.datadir);
	list_variants_in(p, &system);
	free(p);
	if (system.n)
		qsort(system.v, system.n, sizeof(char *), cmp_str);
	fprintf(f, "Variants installed with eSpeak NG:\n");
	print_list(f, system.v, system.n);
	fprintf(f, "Use LANGUAGE with an optional variant: \"en-us\", \"de\" + \"calm\".\n");

	for (size_t i = 0; i < shipped.n; i++)
		free(shipped.v[i]);
	free(shipped.v);
	for (size_t i = 0; i < system.n; i++)
		free(system.v[i]);
	free(system.v);
}

/* ---- synthesis (not implemented yet) ------------------------------------ */

struct speech {
	int unused;
};

struct speech *speech_open(char *err, size_t errlen)
{
	snprintf(err, errlen, "speech synthesis is not implemented yet");
	return NULL;
}

int speech_synth(struct speech *sp, const struct speech_voice *v,
		 const char *text, struct clip *out, char *err, size_t errlen)
{
	(void)sp;
	(void)v;
	(void)text;
	out->s = NULL;
	out->n = 0;
	snprintf(err, errlen, "speech synthesis is not implemented yet");
	return -1;
}

const struct clip *speech_get(struct speech *sp, const struct speech_voice *v,
			      const char *text, char *err, size_t errlen)
{
	struct clip c;

	if (speech_synth(sp, v, text, &c, err, errlen) < 0)
		return NULL;
	free(c.s);
	return NULL;
}

void speech_set_cache_budget(struct speech *sp, size_t budget_bytes)
{
	(void)sp;
	(void)budget_bytes;
}

void speech_cache_clear(struct speech *sp)
{
	(void)sp;
}

void speech_close(struct speech *sp)
{
	free(sp);
}
