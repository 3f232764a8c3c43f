/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech_voices.c: find eSpeak NG language voices and variants by name, and
 * build the private eSpeak NG data directory that makes our variants
 * loadable by name only. */
#include "speech/speech_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "base/util.h"

/* Longest private data directory path: eSpeak NG 1.51 keeps its data path in
 * 160 bytes and appends "/voices/!v/NAME" to it. */
#define DATADIR_MAX 96

/* Installed language voices, found once. */
static struct {
	pthread_once_t once;
	char datadir[PATH_MAX];
	char version[64]; /* eSpeak NG's: "1.51" */
	char **names; /* file names under lang/, lowercased: "en-us", "de" */
	size_t n_names;
	char **codes; /* their "language CODE" lines: "en", "en-gb" */
	size_t n_codes;
} voices = { .once = PTHREAD_ONCE_INIT };

struct name_list {
	char **v;
	size_t n;
};

static void names_add(struct name_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void names_free(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort(struct name_list *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

static void str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A shipped variant (in the user's directories too) must be a regular file
 * itself: a symlink to another of the user's files is not one. */
static bool is_regular_here(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Record a language voice file: its name and its "language CODE" lines. */
static void scan_voice_file(const char *path, const char *fname,
			    struct name_list *names, struct name_list *codes)
{
	char line[256], code[64], why[128], *name = xstrdup(fname);
	int fd = util_open_regular(path, why, sizeof(why));
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	str_lower(name);
	names_add(names, name);
	free(name);
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "language %63s", code) == 1) {
			str_lower(code);
			names_add(codes, code);
		}
	}
	fclose(f);
}

static void scan_lang_dir(const char *dir, int depth, struct name_list *names,
			  struct name_list *codes)
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
				scan_lang_dir(p, depth + 1, names, codes);
			else if (S_ISREG(st.st_mode))
				scan_voice_file(p, de->d_name, names, codes);
		}
		free(p);
	}
	closedir(d);
}

/* eSpeak NG's data directory, as the library itself finds it (only the path
 * is asked for here: eSpeak NG is initialised in the worker), and the
 * language voices in its lang/ tree. */
static void voices_init(void)
{
	struct name_list names = { 0 }, codes = { 0 };
	const char *path = NULL;
	char *lang;

	espeak_ng_InitializePath(NULL);
	snprintf(voices.version, sizeof(voices.version), "%s", espeak_Info(&path));
	snprintf(voices.datadir, sizeof(voices.datadir), "%s", path ? path : "");
	lang = xasprintf("%s/lang", voices.datadir);
	scan_lang_dir(lang, 0, &names, &codes);
	free(lang);
	names_sort(&names);
	names_sort(&codes);
	voices.names = names.v;
	voices.n_names = names.n;
	voices.codes = codes.v;
	voices.n_codes = codes.n;
}

static void voices_load(void)
{
	pthread_once(&voices.once, voices_init);
}

const char *speech_voices_datadir(void)
{
	voices_load();
	return voices.datadir;
}

const char *speech_voices_version(void)
{
	voices_load();
	return voices.version;
}

bool speech_language_exists(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (const char *p = name; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	if (n == 0 || n > SPEECH_MAX_LANGUAGE)
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

bool speech_variant_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || !isalpha((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return n <= SPEECH_MAX_VARIANT;
}

/* Calls fn(dir, arg) for each directory that may hold shipped variants, in
 * the order documented in speech.h, until fn returns true. */
static bool for_voice_dirs(bool (*fn)(const char *dir, void *arg), void *arg)
{
	const char *env = getenv("BACKCOACH_VOICE_PATH");
	char exe[PATH_MAX], *s = NULL;
	bool done = false;
	ssize_t len;

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

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
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

static bool dir_has_variant(const char *dir, void *arg)
{
	char *p = xasprintf("%s/%s", dir, (const char *)arg);
	bool ok = is_regular_here(p);

	free(p);
	return ok;
}

bool speech_variant_exists(const char *name)
{
	char *p;
	bool ok;

	if (!speech_variant_name_ok(name))
		return false;
	if (for_voice_dirs(dir_has_variant, (void *)name))
		return true;
	voices_load();
	p = xasprintf("%s/voices/!v/%s", voices.datadir, name);
	ok = is_regular(p);
	free(p);
	return ok;
}

/* Adds the valid variant names of regular files in dir to a list; shipped:
 * symlinks are not followed. */
static void list_variants_in(const char *dir, struct name_list *l, bool shipped)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (!speech_variant_name_ok(de->d_name))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (shipped ? is_regular_here(p) : is_regular(p))
			names_add(l, de->d_name);
		free(p);
	}
	closedir(d);
}

static bool collect_variants(const char *dir, void *arg)
{
	list_variants_in(dir, arg, true);
	return false;
}

static void print_list(FILE *f, char **v, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(v[i]) + 1;

		if (col && col + w > 78) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%s%s", col ? " " : "  ", v[i]);
		col += col ? w : w + 1;
	}
	if (col)
		fputc('\n', f);
}

void speech_list_voices(FILE *f)
{
	struct name_list shipped = { 0 }, system = { 0 };
	char *p;

	voices_load();
	fprintf(f, "Languages (eSpeak NG voices in %s/lang):\n", voices.datadir);
	print_list(f, voices.names, voices.n_names);

	for_voice_dirs(collect_variants, &shipped);
	names_sort(&shipped);
	fprintf(f, "Variants shipped with backcoach:\n");
	print_list(f, shipped.v, shipped.n);

	p = xasprintf("%s/voices/!v", voices.datadir);
	list_variants_in(p, &system, false);
	free(p);
	names_sort(&system);
	fprintf(f, "Variants installed with eSpeak NG:\n");
	print_list(f, system.v, system.n);

	names_free(&shipped);
	names_free(&system);
}

/* ---- the private data directory ---------------------------------------- */

/* Link name in dirfd to target, unless name exists already. */
static int link_entry(int dirfd, const char *target, const char *name)
{
	if (symlinkat(target, dirfd, name) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Link every entry of src into dirfd, except skip; only variant-like names
 * when names_ok. */
static int mirror_dir(const char *src, int dirfd, const char *skip, bool names_ok)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && ret == 0) {
		char *target;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (skip && !strcmp(de->d_name, skip))
			continue;
		if (names_ok && !speech_variant_name_ok(de->d_name))
			continue;
		target = xasprintf("%s/%s", src, de->d_name);
		ret = link_entry(dirfd, target, de->d_name);
		free(target);
	}
	closedir(d);
	return ret;
}

/* What a voice variant file may say (eSpeak NG's voice attributes, see its
 * docs/voices.md); any other line is dropped, so that eSpeak NG's parser
 * never prints it ("Bad voice attribute: ...") to the log. */
static const char *const variant_keys[] = {
	"name", "language", "gender", "maintainer", "status", "pitch", "formant",
	"echo", "tone", "flutter", "roughness", "clarity", "voicing", "consonants",
	"breath", "breathw", "speed", "words", "klatt", "intonation", "tunes",
	"stressLength", "stressAdd", "stressAmp", "stressRule", "stressopt",
	"fast_test2", "freq_add",
};

#define VARIANT_MAX_BYTES 65536

/* Copy one shipped variant into !v, keeping only its attribute lines.
 * Opened once, never following a symlink, never blocking: a regular file
 * of at most VARIANT_MAX_BYTES, or nothing. */
static void copy_variant(int vfd, const char *path, const char *name)
{
	char *buf = NULL, *out = NULL, *line, *save = NULL;
	size_t o = 0;
	struct stat st;
	ssize_t n;
	int in, fd;

	in = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > VARIANT_MAX_BYTES)
		goto out;
	buf = xmalloc(VARIANT_MAX_BYTES + 1);
	n = read(in, buf, VARIANT_MAX_BYTES);
	if (n < 0)
		goto out;
	buf[n] = '\0';
	out = xmalloc((size_t)n + 2);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *w = line + strspn(line, " \t");
		size_t k = strcspn(w, " \t\r"), len = strlen(line);
		bool keep = !*w || strncmp(w, "//", 2) == 0;

		for (size_t i = 0; !keep && i < sizeof(variant_keys) / sizeof(variant_keys[0]); i++)
			keep = strlen(variant_keys[i]) == k && strncmp(w, variant_keys[i], k) == 0;
		if (!keep)
			continue;
		memcpy(out + o, line, len);
		o += len;
		out[o++] = '\n';
	}
	fd = openat(vfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, out, o) != (ssize_t)o)
			unlinkat(vfd, name, 0);
		close(fd);
	}
out:
	free(buf);
	free(out);
	close(in);
}

/* Copy the shipped variants of dir into !v (the first directory wins). */
static bool link_shipped(const char *dir, void *arg)
{
	struct name_list l = { 0 };
	int vfd = *(int *)arg;

	list_variants_in(dir, &l, true);
	for (size_t i = 0; i < l.n; i++) {
		char *p = xasprintf("%s/%s", dir, l.v[i]);

		copy_variant(vfd, p, l.v[i]);
		free(p);
	}
	names_free(&l);
	return false;
}

static void rm_tree_at(int dirfd, int depth)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && depth == 2)) {
			/* Our symlinks, and the variants copied into voices/!v. */
			unlinkat(dirfd, de->d_name, 0);
		} else if (S_ISDIR(st.st_mode) && depth < 3) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				rm_tree_at(sub, depth + 1);
				close(sub);
			}
			unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

bool speech_voices_datadir_ok(const char *dir)
{
	char *p = xasprintf("%s/phontab", dir);
	bool ok = is_regular(p);

	free(p);
	return ok;
}

void speech_voices_rmdata(const char *dir)
{
	int fd;

	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	rm_tree_at(fd, 0);
	close(fd);
	rmdir(dir);
}

#define DATADIR_PREFIX "backcoach-espeak-"

/* Remove private data directories left by processes that died (SIGKILL):
 * ours (same uid), named after a pid that no longer exists. */
static void sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *de;
	uid_t uid = getuid();

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *end, *p;
		long pid;

		if (strncmp(de->d_name, DATADIR_PREFIX, strlen(DATADIR_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(DATADIR_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		p = xasprintf("%s/%s", base, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid)
			speech_voices_rmdata(p);
		free(p);
	}
	closedir(d);
}

static bool usable_base(const char *s)
{
	struct stat st;

	return s && *s == '/' && strlen(s) + 40 < DATADIR_MAX && stat(s, &st) == 0 &&
	       S_ISDIR(st.st_mode) && access(s, W_OK | X_OK) == 0;
}

/* Where the data directory goes: $XDG_RUNTIME_DIR, $TMPDIR, /dev/shm, /tmp.
 * Some 220 symlinks are made in it: a tmpfs makes that ~1 ms, where ext4 can
 * take ~70 ms. */
static const char *tmp_base(void)
{
	const char *try[] = { getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR"), "/dev/shm" };

	for (size_t i = 0; i < sizeof(try) / sizeof(try[0]); i++)
		if (usable_base(try[i]))
			return try[i];
	return "/tmp";
}

char *speech_voices_mkdata(char *err, size_t errlen)
{
	const char *base = tmp_base(), *sys = speech_voices_datadir();
	char *dir, *sysvoices = NULL;
	int fd = -1, vfd = -1, vvfd = -1;

	if (!*sys) {
		snprintf(err, errlen, "eSpeak NG data directory not found");
		return NULL;
	}
	sweep_stale(base);
	if (strcmp(base, "/tmp"))
		sweep_stale("/tmp");
	dir = xasprintf("%s/" DATADIR_PREFIX "%ld-XXXXXX", base, (long)getpid());
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a directory in %s: %s", base,
			 strerror(errno));
		free(dir);
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || mirror_dir(sys, fd, "voices", false) < 0 ||
	    mkdirat(fd, "voices", 0700) < 0 ||
	    (vfd = openat(fd, "voices", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	sysvoices = xasprintf("%s/voices", sys);
	mirror_dir(sysvoices, vfd, "!v", false); /* may be absent */
	if (mkdirat(vfd, "!v", 0700) < 0 ||
	    (vvfd = openat(vfd, "!v", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	for_voice_dirs(link_shipped, &vvfd);
	free(sysvoices);
	sysvoices = xasprintf("%s/voices/!v", sys);
	mirror_dir(sysvoices, vvfd, NULL, true); /* may be absent */
	free(sysvoices);
	close(vvfd);
	close(vfd);
	close(fd);
	return dir;

fail:
	snprintf(err, errlen, "cannot build the eSpeak NG data directory %s: %s",
		 dir, strerror(errno));
	free(sysvoices);
	if (vvfd >= 0)
		close(vvfd);
	if (vfd >= 0)
		close(vfd);
	if (fd >= 0)
		close(fd);
	speech_voices_rmdata(dir);
	free(dir);
	return NULL;
}

const struct config_voices speech_config_voices = {
	.language_exists = speech_language_exists,
	.variant_exists = speech_variant_exists,
};

void speech_voice_for(const struct config *cfg, int routine,
		      struct speech_voice *v)
{
	const struct routine *r;

	memset(v, 0, sizeof(*v));
	if (routine < 0 || (size_t)routine >= cfg->n_routines)
		return;
	r = &cfg->routines[routine];
	if (r->language >= 0 && (size_t)r->language < cfg->n_languages)
		v->language = cfg->languages[r->language].voice;
	v->variant = cfg->coach.voice;
	v->rate = cfg->coach.rate;
	v->pitch = cfg->coach.pitch;
	v->range = cfg->coach.range;
	v->volume = cfg->coach.volume;
}
