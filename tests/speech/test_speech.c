/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_speech.c: eSpeak NG synthesis, variants, isolation and cache. */
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "speech/speech.h"
#include "speech/speech_internal.h"
#include "base/util.h"

#define SENTENCE "Breathe in slowly, and let your shoulders relax."
#define GERMAN "Atme langsam ein und lass die Schultern locker."

static const struct speech_voice en = { "en-us", NULL, 175, 50, 50, 100 };

static struct speech *sp;
static char err[512];
/* Each test's own speech cache on disk (XDG_CACHE_HOME). */
static char cache_home[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	snprintf(cache_home, sizeof(cache_home), "/tmp/bc-cache-XXXXXX");
	ck_assert(mkdtemp(cache_home));
	setenv("XDG_CACHE_HOME", cache_home, 1);
	if (!getenv("BACKCOACH_VOICE_PATH")) {
		const char *top = getenv("TOP_SRCDIR");
		char buf[4096];

		snprintf(buf, sizeof(buf), "%s/voices", top ? top : ".");
		setenv("BACKCOACH_VOICE_PATH", buf, 1);
	}
	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp, "speech_open: %s", err);
}

static void teardown(void)
{
	speech_close(sp);
	sp = NULL;
	rm_tree(cache_home);
}

static struct clip synth_ok(const struct speech_voice *v, const char *text)
{
	struct clip c;

	ck_assert_msg(speech_synth(sp, v, text, &c, err, sizeof(err)) == 0,
		      "speech_synth(\"%s\"): %s", text, err);
	return c;
}

static double rms(const struct clip *c)
{
	double e = 0;

	for (size_t i = 0; i < c->n; i++)
		e += (double)c->s[i] * c->s[i];
	return c->n ? sqrt(e / (double)c->n) : 0;
}

static bool same(const struct clip *a, const struct clip *b)
{
	return a->n == b->n && memcmp(a->s, b->s, a->n * sizeof(float)) == 0;
}

/* Children of this process that are zombies (not reaped). */
static int zombie_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], *p, state;
		long ppid;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %c %ld", &state, &ppid) == 2 &&
		    ppid == (long)getpid() && state == 'Z')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Is pid gone (or a zombie nobody's reaped yet)? */
static bool pid_gone(pid_t pid)
{
	char path[64], buf[512], *p, state;
	bool gone = true;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return true;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %c", &state) == 1)
		gone = state == 'Z' || state == 'X';
	fclose(f);
	return gone;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait until our child pid has ended (all its threads), leaving it for
 * whoever reaps it. */
static void wait_ended(pid_t pid)
{
	double t0 = util_now();
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid == pid || util_now() - t0 > 5)
			return;
		sleep_ms(2);
	}
}

START_TEST(test_sentence)
{
	struct clip c = synth_ok(&en, SENTENCE);
	size_t first = 0, last = 0;
	bool found = false;

	/* About 2.5 s at 175 wpm; at BC_RATE. */
	ck_assert_msg(c.n > (size_t)BC_RATE * 3 / 2 && c.n < (size_t)BC_RATE * 5,
		      "%zu samples", c.n);
	ck_assert_msg(rms(&c) > 0.02, "rms %f", rms(&c));
	ck_assert_each(size_t, i, 0, c.n, c.s[i] >= -1.0f && c.s[i] <= 1.0f, "%g", c.s[i]);
	for (size_t i = 0; i < c.n; i++) {
		if (fabsf(c.s[i]) > 0.003f) {
			if (!found)
				first = i;
			found = true;
			last = i;
		}
	}
	/* Leading and trailing silence trimmed to about 20 ms. */
	ck_assert_msg(first <= (size_t)BC_MS_TO_SAMPLES(25), "starts after %zu", first);
	ck_assert_msg(c.n - 1 - last <= (size_t)BC_MS_TO_SAMPLES(25), "ends %zu early",
		      c.n - 1 - last);
	free(c.s);
}
END_TEST

START_TEST(test_volume)
{
	struct speech_voice loud = en, quiet = en;
	struct clip a, b, c;

	loud.volume = 200;
	quiet.volume = 50;
	a = synth_ok(&en, SENTENCE);
	b = synth_ok(&loud, SENTENCE);
	c = synth_ok(&quiet, SENTENCE);
	ck_assert(a.n == b.n && a.n == c.n);
	ck_assert_each(size_t, i, 0, a.n,
		       fabsf(b.s[i] - fminf(1.0f, fmaxf(-1.0f, a.s[i] * 2.0f))) < 1e-6f,
		       "loud %g, normal %g", b.s[i], a.s[i]);
	ck_assert_each(size_t, i, 0, a.n, fabsf(c.s[i] - a.s[i] * 0.5f) < 1e-6f,
		       "quiet %g, normal %g", c.s[i], a.s[i]);
	free(a.s);
	free(b.s);
	free(c.s);
}
END_TEST

START_TEST(test_determinism)
{
	struct speech_voice calm = en;
	struct clip a, b, c, d, x;

	calm.variant = "calm"; /* calm has breath noise: rand() must be seeded */
	a = synth_ok(&calm, SENTENCE);
	b = synth_ok(&calm, SENTENCE);
	ck_assert(same(&a, &b));
	/* Other voices and texts in between change nothing. */
	x = synth_ok(&en, "One, two, three.");
	free(x.s);
	x = synth_ok(&(struct speech_voice){ "de", NULL, 175, 50, 50, 100 }, GERMAN);
	free(x.s);
	c = synth_ok(&calm, SENTENCE);
	ck_assert(same(&a, &c));
	/* Nor does a fresh synthesiser. */
	speech_close(sp);
	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp, "%s", err);
	d = synth_ok(&calm, SENTENCE);
	ck_assert(same(&a, &d));
	free(a.s);
	free(b.s);
	free(c.s);
	free(d.s);
}
END_TEST

START_TEST(test_variants)
{
	struct speech_voice calm = en, brisk = en;
	struct clip plain, cc, bc, dc, dp;

	ck_assert(speech_variant_exists("calm"));
	ck_assert(speech_variant_exists("brisk"));
	ck_assert(speech_variant_exists("m3")); /* installed with eSpeak NG */
	calm.variant = "calm";
	brisk.variant = "brisk";
	plain = synth_ok(&en, SENTENCE);
	cc = synth_ok(&calm, SENTENCE);
	bc = synth_ok(&brisk, SENTENCE);
	/* calm is slower and brisk quicker at the same rate setting. */
	ck_assert_msg(cc.n > plain.n * 11 / 10, "calm %zu plain %zu", cc.n, plain.n);
	ck_assert_msg(bc.n < plain.n * 95 / 100, "brisk %zu plain %zu", bc.n, plain.n);

	/* Variants combine with another language. */
	ck_assert(speech_language_exists("de"));
	dp = synth_ok(&(struct speech_voice){ "de", NULL, 175, 50, 50, 100 }, GERMAN);
	dc = synth_ok(&(struct speech_voice){ "de", "calm", 175, 50, 50, 100 }, GERMAN);
	ck_assert(rms(&dc) > 0.02);
	ck_assert_msg(dc.n > dp.n * 11 / 10, "de+calm %zu de %zu", dc.n, dp.n);
	free(plain.s);
	free(cc.s);
	free(bc.s);
	free(dp.s);
	free(dc.s);
}
END_TEST

START_TEST(test_languages)
{
	struct clip c;

	ck_assert(speech_language_exists("en"));
	ck_assert(speech_language_exists("en-us"));
	ck_assert(speech_language_exists("EN-US"));
	ck_assert(speech_language_exists("de"));
	ck_assert(speech_language_exists("en-gb")); /* a code, not a file name */
	ck_assert(!speech_language_exists("xx-nonexistent"));
	ck_assert(!speech_language_exists(""));
	ck_assert(!speech_language_exists(NULL));
	/* A language known only by its code loads, with a variant too. */
	c = synth_ok(&(struct speech_voice){ "en-gb", "calm", 175, 50, 50, 100 }, SENTENCE);
	ck_assert(rms(&c) > 0.02);
	free(c.s);
	ck_assert(speech_synth(sp, &(struct speech_voice){ "xx-nonexistent", NULL, 175, 50,
			       50, 100 }, SENTENCE, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "unknown speech language"), "%s", err);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *bad[] = {
		"../x", "/etc/passwd", "en+../../x", "calm/../calm", "!v/calm", "..",
		".", "calm ", "a b", "3", "1calm", "calm\n", "calm+brisk", "",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 33 characters */
	};
	struct speech_voice v = en;
	struct clip c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!speech_variant_exists(bad[i]), "variant \"%s\"", bad[i]);
		ck_assert_msg(!speech_language_exists(bad[i]), "language \"%s\"", bad[i]);
		if (!bad[i][0])
			continue;
		v.variant = bad[i];
		ck_assert(speech_synth(sp, &v, SENTENCE, &c, err, sizeof(err)) < 0);
		ck_assert_msg(strstr(err, "variant"), "%s", err);
		v.variant = NULL;
		v.language = bad[i];
		ck_assert(speech_synth(sp, &v, SENTENCE, &c, err, sizeof(err)) < 0);
		ck_assert_msg(strstr(err, "language"), "%s", err);
		v.language = en.language;
	}
	v.variant = "nosuchvariant";
	ck_assert(!speech_variant_exists("nosuchvariant"));
	ck_assert(speech_synth(sp, &v, SENTENCE, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "unknown voice variant"), "%s", err);
}
END_TEST

/* A variant file outside the voice dirs cannot be reached: not by a path,
 * and not by a symlinked directory name. */
START_TEST(test_variant_outside_dirs)
{
	char dir[] = "/tmp/bc-test-XXXXXX", path[256];
	struct speech_voice v = en;
	struct clip c;
	FILE *f;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/evil", dir);
	ck_assert((f = fopen(path, "w")));
	fputs("language variant\nname evil\npitch 200 300\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/evil", dir);
	v.variant = path;
	ck_assert(!speech_variant_exists(path));
	ck_assert(speech_synth(sp, &v, SENTENCE, &c, err, sizeof(err)) < 0);
	v.variant = "evil";
	ck_assert(!speech_variant_exists("evil"));
	ck_assert(speech_synth(sp, &v, SENTENCE, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "unknown voice variant"), "%s", err);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A variant in the user's voice directory that is a symlink to another of
 * their files is no variant; and of a variant file, only voice attribute
 * lines reach eSpeak NG, whose parser would print any other line's first
 * word to stderr (the daemon's journal). */
START_TEST(test_variant_user_files)
{
	char dir[] = "/tmp/bc-test-XXXXXX", path[300], *old, *out = NULL;
	const char *secret = "language variant\nname leakreg\nTOPSECRET line\n"
			     "pitch 80 120\n  another-SECRET here\n// a comment\n";
	struct speech_voice v = en;
	struct speech *sp2;
	struct clip c;
	size_t len = 0;
	FILE *f;
	int saved, fd;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret.txt", dir);
	ck_assert((f = fopen(path, "w")));
	fputs(secret, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/leak", dir);
	ck_assert_int_eq(symlink("secret.txt", path), 0);
	snprintf(path, sizeof(path), "%s/leakreg", dir);
	ck_assert((f = fopen(path, "w")));
	fputs(secret, f);
	fclose(f);
	old = xstrdup(getenv("BACKCOACH_VOICE_PATH"));
	setenv("BACKCOACH_VOICE_PATH", dir, 1);
	ck_assert(!speech_variant_exists("leak"));
	ck_assert(speech_variant_exists("leakreg"));

	/* The worker's stderr, captured. */
	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	sp2 = speech_open(err, sizeof(err));
	ck_assert_msg(sp2, "%s", err);
	v.variant = "leakreg";
	ck_assert_msg(speech_synth(sp2, &v, SENTENCE, &c, err, sizeof(err)) == 0, "%s", err);
	free(c.s);
	v.variant = "leak";
	ck_assert(speech_synth(sp2, &v, SENTENCE, &c, err, sizeof(err)) < 0);
	speech_close(sp2);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	setenv("BACKCOACH_VOICE_PATH", old, 1);
	free(old);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	if (getdelim(&out, &len, '\0', f) < 0 && out)
		out[0] = '\0'; /* nothing was printed */
	fclose(f);
	ck_assert_msg(!out || !strstr(out, "SECRET"), "eSpeak NG printed: %s", out);
	free(out);
	unlink(path);
	snprintf(path, sizeof(path), "%s/leakreg", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/leak", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/secret.txt", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_bad_text)
{
	char *big = xmalloc(SPEECH_MAX_TEXT + 2);
	struct clip c;

	memset(big, 'a', SPEECH_MAX_TEXT + 1);
	big[SPEECH_MAX_TEXT + 1] = '\0';
	ck_assert(speech_synth(sp, &en, big, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "too long"), "%s", err);
	ck_assert(c.s == NULL && c.n == 0);
	free(big);

	ck_assert(speech_synth(sp, &en, "caf\xc3", &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "UTF-8"), "%s", err);
	ck_assert(speech_synth(sp, &en, "\xff\xfe hello", &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "UTF-8"), "%s", err);
	ck_assert(speech_synth(sp, &en, "\xc0\xaf", &c, err, sizeof(err)) < 0); /* overlong */
	ck_assert_msg(strstr(err, "UTF-8"), "%s", err);
	ck_assert(speech_synth(sp, &en, "one\x01two", &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "control"), "%s", err);
	ck_assert(speech_synth(sp, &en, "one\ntwo", &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "control"), "%s", err);
	ck_assert(speech_synth(sp, &en, "esc\x1b[2J", &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "control"), "%s", err);

	/* Still fine: tabs, non-ASCII text, an empty text. */
	c = synth_ok(&en, "Relax\tyour shoulders, caf\xc3\xa9.");
	free(c.s);
	c = synth_ok(&en, "");
	ck_assert_uint_eq(c.n, 0);
	free(c.s);
}
END_TEST

START_TEST(test_long_text)
{
	char *text = xmalloc(SPEECH_MAX_TEXT + 1);
	struct speech_voice fast = en;
	struct clip c;
	size_t n = 0;

	/* The longest text allowed is fine. */
	while (n + 7 <= SPEECH_MAX_TEXT) {
		memcpy(text + n, "relax. ", 7);
		n += 7;
	}
	text[n] = '\0';
	fast.rate = 450;
	c = synth_ok(&fast, text);
	ck_assert(c.n > (size_t)BC_RATE * 30);
	free(c.s);
	free(text);
}
END_TEST

/* A text within SPEECH_MAX_TEXT that would speak for over 5 minutes is
 * stopped there and refused. */
START_TEST(test_too_long_speech)
{
	struct speech_voice slow = { "en-us", "calm", 80, 50, 50, 100 };
	char text[SPEECH_MAX_TEXT + 1] = "";
	struct clip c;

	while (strlen(text) + 12 <= SPEECH_MAX_TEXT)
		strcat(text, "77777777777 ");
	ck_assert(speech_synth(sp, &slow, text, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "longer than 300 seconds"), "%s", err);
	c = synth_ok(&en, SENTENCE);
	free(c.s);
}
END_TEST

/* The crash text: stacked possessives overflow a buffer in Debian's eSpeak NG
 * 1.51 (found with the espeak-ng command first: aborts from 70 "'s" up). */
static char *crash_text(void)
{
	char *t = xmalloc(4 + 2 * 100 + 1);

	strcpy(t, "word");
	for (int i = 0; i < 100; i++)
		strcat(t, "'s");
	return t;
}

START_TEST(test_crash_isolation)
{
	char *text = crash_text();
	struct clip c, a, b;

	a = synth_ok(&en, SENTENCE);
	ck_assert(speech_synth(sp, &en, text, &c, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "speech synthesiser crashed (signal "), "%s", err);
	ck_assert(c.s == NULL && c.n == 0);
	/* We are alive; the next call works and gives the same samples. */
	b = synth_ok(&en, SENTENCE);
	ck_assert(same(&a, &b));
	ck_assert_int_eq(zombie_children(), 0);
	/* Twice more, to be sure nothing accumulates. */
	ck_assert(speech_synth(sp, &en, text, &c, err, sizeof(err)) < 0);
	ck_assert(speech_synth(sp, &en, text, &c, err, sizeof(err)) < 0);
	free(b.s);
	b = synth_ok(&en, SENTENCE);
	ck_assert(same(&a, &b));
	ck_assert_int_eq(zombie_children(), 0);
	free(a.s);
	free(b.s);
	free(text);
}
END_TEST

/* If the worker itself dies, mid-request or between requests, the call
 * reports it and the next call starts a fresh worker. */
START_TEST(test_worker_death)
{
	pid_t pid = speech_worker_pid(sp), pid2;
	struct clip a, b;

	a = synth_ok(&en, SENTENCE);
	ck_assert(pid > 0);
	kill(pid, SIGSEGV);
	wait_ended(pid);
	/* Died between calls: replaced without an error. */
	b = synth_ok(&en, SENTENCE);
	ck_assert(same(&a, &b));
	free(b.s);
	pid2 = speech_worker_pid(sp);
	ck_assert(pid2 > 0 && pid2 != pid);
	ck_assert_int_eq(zombie_children(), 0);

	/* Dies while working: stop it, send a request, kill it. */
	kill(pid2, SIGSTOP);
	{
		pid_t killer = fork();

		ck_assert(killer >= 0);
		if (killer == 0) {
			sleep_ms(200);
			kill(pid2, SIGKILL);
			_exit(0);
		}
		ck_assert(speech_synth(sp, &en, SENTENCE, &b, err, sizeof(err)) < 0);
		ck_assert_msg(strstr(err, "speech synthesiser crashed (signal 9)"), "%s", err);
		waitpid(killer, NULL, 0);
	}
	ck_assert_int_eq(zombie_children(), 0);
	b = synth_ok(&en, SENTENCE);
	ck_assert(same(&a, &b));
	ck_assert(speech_worker_pid(sp) != pid2);
	free(a.s);
	free(b.s);
}
END_TEST

/* The private data directory: where eSpeak NG finds its data and our
 * variants; rebuilt if it disappears; removed by speech_close. */
START_TEST(test_datadir)
{
	char *dir = xstrdup(speech_datadir(sp)), path[4200];
	pid_t pid = speech_worker_pid(sp);
	struct clip c;

	snprintf(path, sizeof(path), "%s/voices/!v/calm", dir);
	ck_assert(access(path, R_OK) == 0);
	snprintf(path, sizeof(path), "%s/en_dict", dir);
	ck_assert(access(path, R_OK) == 0);

	/* Cleaned up under us (tmpfiles): the next worker gets a new one. */
	speech_voices_rmdata(dir);
	ck_assert(access(dir, F_OK) < 0);
	kill(pid, SIGKILL);
	wait_ended(pid);
	c = synth_ok(&(struct speech_voice){ "en-us", "calm", 175, 50, 50, 100 }, SENTENCE);
	free(c.s);
	free(dir);
	dir = xstrdup(speech_datadir(sp));
	ck_assert(access(dir, F_OK) == 0);
	speech_close(sp);
	sp = NULL;
	ck_assert(access(dir, F_OK) < 0);
	free(dir);
	sp = speech_open(err, sizeof(err));
	ck_assert(sp);
}
END_TEST

START_TEST(test_cache)
{
	struct speech_voice loud = en;
	const struct clip *a, *b, *c, *prev;
	struct clip copy;

	a = speech_get(sp, &en, SENTENCE, err, sizeof(err));
	ck_assert_msg(a, "%s", err);
	b = speech_get(sp, &en, SENTENCE, err, sizeof(err));
	ck_assert(a == b);
	loud.volume = 150;
	c = speech_get(sp, &loud, SENTENCE, err, sizeof(err));
	ck_assert(c && c != a);
	ck_assert(speech_get(sp, &en, SENTENCE, err, sizeof(err)) == a);
	/* Failures are reported, not cached. */
	ck_assert(!speech_get(sp, &en, "bad\x01", err, sizeof(err)));
	ck_assert_msg(strstr(err, "control"), "%s", err);

	/* Hits are served from the cache: the same clip every time (their
	 * speed is the render benchmark's business, not a timed test's). */
	for (int i = 0; i < 1000; i++)
		ck_assert(speech_get(sp, &en, SENTENCE, err, sizeof(err)) == a);

	/* A budget below one clip: only the latest two survive a call, and
	 * the clip returned last stays valid through the next call. */
	speech_set_cache_budget(sp, 1);
	prev = speech_get(sp, &en, "One.", err, sizeof(err));
	ck_assert_msg(prev, "%s", err);
	for (int i = 0; i < 6; i++) {
		char text[32];
		const struct clip *cur;

		copy.n = prev->n;
		copy.s = xmalloc(prev->n * sizeof(float));
		memcpy(copy.s, prev->s, prev->n * sizeof(float));
		snprintf(text, sizeof(text), "Number %d.", i);
		cur = speech_get(sp, &en, text, err, sizeof(err));
		ck_assert_msg(cur, "%s", err);
		ck_assert(same(prev, &copy)); /* still there, unchanged */
		ck_assert_uint_eq(speech_cache_count(sp), 2);
		free(copy.s);
		prev = cur;
	}
	/* A roomy budget keeps them; clearing frees them. */
	speech_set_cache_budget(sp, 0);
	speech_cache_clear(sp);
	a = speech_get(sp, &en, "One.", err, sizeof(err));
	b = speech_get(sp, &en, "Two.", err, sizeof(err));
	ck_assert(a && b && a != b);
	ck_assert(speech_get(sp, &en, "One.", err, sizeof(err)) == a);
	ck_assert(speech_get(sp, &en, "Two.", err, sizeof(err)) == b);
}
END_TEST

/* The same text at volumes 101..109: clips (and keys) of one size. */
static const struct clip *get_vol(int volume)
{
	struct speech_voice v = en;
	const struct clip *c;

	v.volume = volume;
	c = speech_get(sp, &v, "One.", err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	return c;
}

static bool cached_vol(int volume)
{
	struct speech_voice v = en;

	v.volume = volume;
	return speech_cache_peek(sp, &v, "One.") != NULL;
}

START_TEST(test_cache_lru)
{
	const struct clip *one;
	size_t budget;

	one = get_vol(101);
	get_vol(102);
	get_vol(103);
	ck_assert_uint_eq(speech_cache_count(sp), 3);
	/* Room for three, not a fourth. */
	budget = speech_cache_bytes(sp) + 100;
	speech_set_cache_budget(sp, budget);
	ck_assert_uint_eq(speech_cache_count(sp), 3);
	/* Touch 101 so that 102 is the least recently used. */
	ck_assert(get_vol(101) == one);
	get_vol(104);
	ck_assert_uint_eq(speech_cache_count(sp), 3);
	ck_assert(speech_cache_bytes(sp) <= budget);
	ck_assert(cached_vol(101) && !cached_vol(102) && cached_vol(103) && cached_vol(104));
	get_vol(105);
	ck_assert(cached_vol(101) && !cached_vol(103) && cached_vol(104) && cached_vol(105));
	ck_assert(get_vol(101) == one);
	/* A smaller budget evicts at once, keeping the latest. */
	speech_set_cache_budget(sp, 1);
	ck_assert_uint_eq(speech_cache_count(sp), 1);
	ck_assert(cached_vol(101));
	speech_cache_clear(sp);
	ck_assert_uint_eq(speech_cache_count(sp), 0);
	ck_assert_uint_eq(speech_cache_bytes(sp), 0);
}
END_TEST

/* The worker exits on EOF from its parent's socket... */
START_TEST(test_worker_eof)
{
	pid_t pid = speech_worker_pid(sp), r;
	int status = 0;
	double t0 = util_now();

	ck_assert(pid > 0);
	shutdown(speech_worker_fd(sp), SHUT_RDWR);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && util_now() - t0 < 5)
		sleep_ms(5);
	ck_assert_int_eq(r, pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* ...and a new one takes over. */
	struct clip c = synth_ok(&en, SENTENCE);
	free(c.s);
}
END_TEST

/* ...and when its parent dies without closing anything. */
START_TEST(test_parent_death)
{
	int fds[2];
	pid_t parent, worker = 0;
	double t0;

	ck_assert(pipe(fds) == 0);
	parent = fork();
	ck_assert(parent >= 0);
	if (parent == 0) {
		struct speech *s2 = speech_open(err, sizeof(err));
		pid_t w = s2 ? speech_worker_pid(s2) : 0;

		if (write(fds[1], &w, sizeof(w)) != sizeof(w))
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	ck_assert(read(fds[0], &worker, sizeof(worker)) == sizeof(worker));
	close(fds[0]);
	ck_assert(worker > 0);
	ck_assert(!pid_gone(worker));
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
	t0 = util_now();
	while (!pid_gone(worker) && util_now() - t0 < 5)
		sleep_ms(5);
	ck_assert(pid_gone(worker));
}
END_TEST

START_TEST(test_close_reaps)
{
	pid_t pid = speech_worker_pid(sp);

	ck_assert(pid > 0);
	speech_close(sp);
	sp = NULL;
	ck_assert(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
	ck_assert_int_eq(zombie_children(), 0);
	sp = speech_open(err, sizeof(err));
	ck_assert(sp);
}
END_TEST

START_TEST(test_list_voices)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert(f);
	speech_list_voices(f);
	fclose(f);
	ck_assert(strstr(buf, " en-us"));
	ck_assert(strstr(buf, " de"));
	ck_assert(strstr(buf, " calm"));
	ck_assert(strstr(buf, " brisk"));
	ck_assert(strstr(buf, " m3"));
	free(buf);
}
END_TEST

/* The worker's decoding of a request trusts nothing from the parent: names,
 * ranges and the text are checked again there. */
START_TEST(test_req_decode)
{
	struct speech_req rq;
	char msg[SPEECH_MAX_MSG], text[8] = "Hi.";

	memset(&rq, 0, sizeof(rq));
	rq.magic = SPEECH_REQ_MAGIC;
	rq.text_len = 3;
	rq.rate = 150;
	rq.pitch = rq.range = 50;
	strcpy(rq.language, "en-us");
	ck_assert(speech_req_header_ok(&rq));
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), 0);
	strcpy(rq.variant, "calm");
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), 0);

	rq.magic++;
	ck_assert(!speech_req_header_ok(&rq));
	rq.magic--;
	rq.text_len = SPEECH_MAX_TEXT + 1;
	ck_assert(!speech_req_header_ok(&rq));
	rq.text_len = 3;

	/* Names filling their fields without a NUL are cut, not overread. */
	memset(rq.language, 'a', sizeof(rq.language));
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(strlen(rq.language), SPEECH_MAX_LANGUAGE);
	strcpy(rq.language, "../en");
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "invalid language name");
	strcpy(rq.language, "en");
	strcpy(rq.variant, "../../x");
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "invalid voice variant name");
	rq.variant[0] = '\0';
	rq.rate = 10000;
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "speech rate, pitch or range out of range");
	rq.rate = 150;
	memcpy(text, "a\0b", 4);
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "text to speak is not valid UTF-8");
	memcpy(text, "a\xff" "b", 4);
	ck_assert_int_eq(speech_req_check(&rq, text, msg, sizeof(msg)), -1);
}
END_TEST

START_TEST(test_trim)
{
	int16_t s[1000] = { 0 };
	size_t start, n;

	n = speech_trim(s, 1000, 20, &start);
	ck_assert_uint_eq(n, 0);
	s[100] = 5000;
	s[500] = -5000;
	s[990] = 50; /* below the threshold */
	n = speech_trim(s, 1000, 20, &start);
	ck_assert_uint_eq(start, 80);
	ck_assert_uint_eq(n, 501 + 20 - 80);
	s[5] = 3000;
	s[998] = 3000;
	n = speech_trim(s, 1000, 20, &start);
	ck_assert_uint_eq(start, 0);
	ck_assert_uint_eq(n, 1000);
}
END_TEST

/* Samples at another rate (mbrola voices: 16 kHz) are resampled. */
START_TEST(test_resample)
{
	int16_t in[16000];
	struct clip c;
	int crossings = 0;

	for (int i = 0; i < 16000; i++) /* 1 s of 440 Hz at 16 kHz */
		in[i] = (int16_t)lrint(16000 * sin(2 * M_PI * 440 * i / 16000.0));
	ck_assert(speech_to_clip(in, 16000, 16000, 1.0f, &c, err, sizeof(err)) == 0);
	ck_assert_msg(labs((long)c.n - BC_RATE) < 50, "%zu samples", c.n);
	for (size_t i = 1000; i + 1 < (size_t)BC_RATE - 1000; i++)
		crossings += (c.s[i] < 0) != (c.s[i + 1] < 0);
	/* 440 Hz: 880 crossings a second, over the middle 20050 samples. */
	ck_assert_msg(abs(crossings - 800) < 10, "%d crossings", crossings);
	free(c.s);
	ck_assert(speech_to_clip(in, 16000, BC_RATE, 3.0f, &c, err, sizeof(err)) == 0);
	ck_assert_uint_eq(c.n, 16000);
	ck_assert_each(size_t, i, 0, c.n, c.s[i] >= -1.0f && c.s[i] <= 1.0f, "%g", c.s[i]);
	free(c.s);
}
END_TEST

/* Twenty syntheses in a row on one worker, then five workers opened and
 * closed; prints spawn time, throughput and worker memory for the report. */
START_TEST(test_throughput)
{
	static const char *texts[] = {
		"Breathe in slowly, and let your shoulders relax.",
		"Now lift your right knee towards your chest, and hold it there.",
		"Gently tilt your pelvis forward, then back, ten times.",
		"Lie on your back with your knees bent and your feet flat on the floor.",
	};
	double audio = 0, t0, wall;
	char path[64], line[256];
	long rss = 0;
	FILE *f;

	t0 = util_now();
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			struct clip c = synth_ok(&en, texts[i]);

			audio += (double)c.n / BC_RATE;
			free(c.s);
		}
	}
	wall = util_now() - t0;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)speech_worker_pid(sp));
	if ((f = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), f))
			sscanf(line, "VmRSS: %ld", &rss);
		fclose(f);
	}
	fprintf(stderr, "speech: worker start %.1f ms, %.1f s of speech in %.3f s "
		"(%.0fx real time), worker RSS %ld kB\n",
		speech_spawn_seconds(sp) * 1e3, audio, wall, audio / wall, rss);
	/* Speed is the benchmark's (bench_render): no bound here, which a
	 * sanitizer build on a loaded machine missed (64x against 100x). */

	t0 = util_now();
	for (int i = 0; i < 5; i++) {
		struct speech *s2 = speech_open(err, sizeof(err));

		ck_assert_msg(s2, "%s", err);
		speech_close(s2);
	}
	fprintf(stderr, "speech: speech_open + speech_close %.1f ms\n",
		(util_now() - t0) / 5 * 1e3);
}
END_TEST

/* ---- the cache on disk ---- */

/* The entries in the cache directory (their names in names, if given). */
static int disk_entries(char names[][32], int max)
{
	DIR *d = opendir(speech_disk_path(sp));
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (names && n < max)
			snprintf(names[n], 32, "%.31s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static char *entry_path(const char *name)
{
	return xasprintf("%s/%s", speech_disk_path(sp), name);
}

/* speech_get on a synthesiser that remembers nothing in memory: what the
 * disk and the worker give. The clip is the caller's. */
static struct clip get_fresh(const struct speech_voice *v, const char *text)
{
	const struct clip *c;
	struct clip copy;

	speech_cache_clear(sp);
	c = speech_get(sp, v, text, err, sizeof(err));
	ck_assert_msg(c, "speech_get(\"%s\"): %s", text, err);
	copy.n = c->n;
	copy.s = xmalloc((c->n ? c->n : 1) * sizeof(float));
	memcpy(copy.s, c->s, c->n * sizeof(float));
	speech_cache_clear(sp);
	return copy;
}

static off_t file_size(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return S_ISREG(st.st_mode) ? st.st_size : -1;
}

START_TEST(test_disk_store_read)
{
	struct speech_voice loud = en;
	struct clip a, b, direct;
	char names[4][32], *dir;
	struct stat st;
	struct speech *sp2;
	const struct clip *c;

	/* Where: XDG_CACHE_HOME, made 0700 on the first store. */
	dir = xasprintf("%s/backcoach/speech", cache_home);
	ck_assert_str_eq(speech_disk_path(sp), dir);
	ck_assert_int_eq(disk_entries(NULL, 0), 0);
	a = get_fresh(&en, SENTENCE);
	ck_assert_uint_eq(speech_disk_misses(sp), 1);
	ck_assert_uint_eq(speech_disk_hits(sp), 0);
	ck_assert_int_eq(disk_entries(names, 4), 1);
	ck_assert_uint_eq(strspn(names[0], "0123456789abcdef"), 16);
	ck_assert_uint_eq(strlen(names[0]), 16);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);

	/* Read back, by another synthesiser too: the same samples. */
	b = get_fresh(&en, SENTENCE);
	ck_assert_uint_eq(speech_disk_hits(sp), 1);
	ck_assert_uint_eq(speech_disk_misses(sp), 1);
	ck_assert(same(&a, &b));
	free(b.s);
	sp2 = speech_open(err, sizeof(err));
	ck_assert_msg(sp2, "%s", err);
	c = speech_get(sp2, &en, SENTENCE, err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	ck_assert(same(&a, c));
	ck_assert_uint_eq(speech_disk_hits(sp2), 1);
	ck_assert_uint_eq(speech_disk_misses(sp2), 0);
	speech_close(sp2);

	/* The volume is a gain on the stored samples: one entry, and what
	 * it gives is what synthesis at that volume gives. */
	loud.volume = 150;
	b = get_fresh(&loud, SENTENCE);
	ck_assert_uint_eq(speech_disk_hits(sp), 2);
	ck_assert_int_eq(disk_entries(NULL, 0), 1);
	ck_assert_int_eq(speech_synth(sp, &loud, SENTENCE, &direct, err, sizeof(err)), 0);
	ck_assert(same(&b, &direct));
	ck_assert(!same(&a, &b));
	free(direct.s);
	free(b.s);

	/* Failures are never stored. */
	ck_assert(!speech_get(sp, &en, "bad\x01", err, sizeof(err)));
	ck_assert_int_eq(disk_entries(NULL, 0), 1);
	free(a.s);
	free(dir);
}
END_TEST

/* Whatever is where an entry goes, the line comes out as synthesised, at
 * once, and a whole entry replaces it. */
START_TEST(test_disk_bad_entries)
{
	enum { TRUNCATED, LONGER, HEADER, KEY, OTHER_KEY, FIFO, SYMLINK, EMPTY, N_CASES };
	struct clip ref, c;
	char names[4][32], *path, *other, *copy, *cmd;
	off_t whole;
	unsigned misses;
	int fd;

	ref = get_fresh(&en, SENTENCE);
	ck_assert_int_eq(disk_entries(names, 4), 1);
	path = entry_path(names[0]);
	whole = file_size(path);
	/* A whole copy of it, for a symlink to point to. */
	copy = xasprintf("%s/copy", cache_home);
	cmd = xasprintf("cp '%s' '%s'", path, copy);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	/* Another line's whole entry, to put under this one's name. */
	c = get_fresh(&en, GERMAN);
	free(c.s);
	other = xasprintf("%s/other", cache_home);
	for (int i = 0; i < 4 && disk_entries(names, 4) == 2; i++) {
		char *p = entry_path(names[i]);

		if (strcmp(p, path) != 0) {
			ck_assert_int_eq(rename(p, other), 0);
			free(p);
			break;
		}
		free(p);
	}
	for (int k = 0; k < N_CASES; k++) {
		unlink(path);
		switch (k) {
		case TRUNCATED: case LONGER: case HEADER: case KEY: case EMPTY: {
			char head[24];
			uint32_t keylen;

			c = get_fresh(&en, SENTENCE); /* a whole entry again */
			free(c.s);
			fd = open(path, O_RDWR);
			ck_assert_int_ge(fd, 0);
			if (k == TRUNCATED) {
				ck_assert_int_eq(ftruncate(fd, whole - 2), 0);
			} else if (k == LONGER) {
				ck_assert_int_eq(pwrite(fd, "xx", 2, whole), 2);
			} else if (k == HEADER) {
				ck_assert_int_eq(pwrite(fd, "BCSD", 4, 0), 4);
			} else if (k == EMPTY) {
				ck_assert_int_eq(ftruncate(fd, 0), 0);
			} else {
				/* The key's last byte (the text's full
				 * stop): the header is 24 bytes, the key's
				 * length at 12. Same size, another key. */
				ck_assert_int_eq(pread(fd, head, 24, 0), 24);
				memcpy(&keylen, head + 12, 4);
				ck_assert_int_eq(pwrite(fd, "!", 1, 24 + keylen - 1), 1);
			}
			close(fd);
			break;
		}
		case OTHER_KEY: /* a hash collision: a whole entry, another key */
			cmd = xasprintf("cp '%s' '%s'", other, path);
			ck_assert_int_eq(system(cmd), 0);
			free(cmd);
			break;
		case FIFO:
			ck_assert_int_eq(mkfifo(path, 0600), 0);
			break;
		case SYMLINK: /* to the whole entry: refused all the same */
			ck_assert_int_eq(symlink(copy, path), 0);
			break;
		}
		misses = speech_disk_misses(sp);
		c = get_fresh(&en, SENTENCE);
		ck_assert_msg(same(&ref, &c), "case %d: not the line's samples", k);
		ck_assert_msg(speech_disk_misses(sp) == misses + 1, "case %d: not synthesised", k);
		free(c.s);
		ck_assert_msg(file_size(path) == whole, "case %d: entry not replaced", k);
		/* And that entry is read. */
		c = get_fresh(&en, SENTENCE);
		ck_assert(same(&ref, &c));
		ck_assert_uint_eq(speech_disk_misses(sp), misses + 1);
		free(c.s);
	}
	free(ref.s);
	free(path);
	free(other);
	free(copy);
}
END_TEST

/* Every part of the voice is in the key: another rate (pitch, range,
 * language, variant) never reads this one's entry. */
START_TEST(test_disk_voice_keys)
{
	struct speech_voice v[6];
	struct clip ref[6];

	for (int i = 0; i < 6; i++)
		v[i] = en;
	v[1].rate = 176;
	v[2].pitch = 51;
	v[3].range = 51;
	v[4].language = "en-gb";
	v[5].variant = "calm";
	for (int i = 0; i < 6; i++) {
		ref[i] = get_fresh(&v[i], SENTENCE);
		ck_assert_uint_eq(speech_disk_misses(sp), (unsigned)i + 1);
		ck_assert_uint_eq(speech_disk_hits(sp), 0);
		for (int j = 0; j < i; j++)
			ck_assert_msg(!same(&ref[i], &ref[j]), "voices %d and %d sound alike", i, j);
	}
	ck_assert_int_eq(disk_entries(NULL, 0), 6);
	for (int i = 0; i < 6; i++) {
		struct clip c = get_fresh(&v[i], SENTENCE);

		ck_assert_msg(same(&ref[i], &c), "voice %d", i);
		ck_assert_uint_eq(speech_disk_hits(sp), (unsigned)i + 1);
		free(c.s);
		free(ref[i].s);
	}
}
END_TEST

/* No place to store: speech as ever, nothing stored. */
START_TEST(test_disk_unwritable)
{
	struct clip ref;
	struct speech *sp2;
	char *dir = xasprintf("%s/backcoach", cache_home), *file, *home;
	const struct clip *g;
	FILE *f;

	ref = get_fresh(&en, SENTENCE);
	/* A file where the directory goes (root writes anywhere else). */
	rm_tree(dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	file = xasprintf("%s/speech", dir);
	ck_assert((f = fopen(file, "w")));
	fclose(f);
	sp2 = speech_open(err, sizeof(err));
	ck_assert_msg(sp2, "%s", err);
	for (int i = 0; i < 2; i++) {
		g = speech_get(sp2, &en, SENTENCE, err, sizeof(err));
		ck_assert_msg(g, "%s", err);
		ck_assert(same(&ref, g));
		speech_cache_clear(sp2);
	}
	ck_assert_uint_eq(speech_disk_misses(sp2), 2);
	speech_close(sp2);
	ck_assert_int_eq(file_size(file), 0);

	/* Neither XDG_CACHE_HOME nor HOME: no cache at all. */
	home = xstrdup(getenv("HOME") ? getenv("HOME") : "");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	sp2 = speech_open(err, sizeof(err));
	ck_assert_msg(sp2, "%s", err);
	ck_assert_ptr_null(speech_disk_path(sp2));
	g = speech_get(sp2, &en, SENTENCE, err, sizeof(err));
	ck_assert(g && same(&ref, g));
	speech_close(sp2);
	setenv("HOME", home, 1);
	free(home);
	free(ref.s);
	free(file);
	free(dir);
}
END_TEST

START_TEST(test_disk_dir)
{
	char *d;
	const char *home = getenv("HOME");
	char *old_home = home ? xstrdup(home) : NULL;

	setenv("HOME", "/home/someone", 1);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	d = speech_disk_dir();
	ck_assert_str_eq(d, "/x/cache/backcoach/speech");
	free(d);
	/* Empty or relative: ignored (XDG base directories). */
	setenv("XDG_CACHE_HOME", "", 1);
	d = speech_disk_dir();
	ck_assert_str_eq(d, "/home/someone/.cache/backcoach/speech");
	free(d);
	setenv("XDG_CACHE_HOME", "rel/cache", 1);
	d = speech_disk_dir();
	ck_assert_str_eq(d, "/home/someone/.cache/backcoach/speech");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	d = speech_disk_dir();
	ck_assert_str_eq(d, "/home/someone/.cache/backcoach/speech");
	free(d);
	setenv("HOME", "relative", 1);
	ck_assert_ptr_null(speech_disk_dir());
	unsetenv("HOME");
	ck_assert_ptr_null(speech_disk_dir());
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	setenv("XDG_CACHE_HOME", cache_home, 1);
}
END_TEST

static time_t mtime_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mtime;
}

static void set_age(const char *path, time_t age_s)
{
	struct timespec t[2] = { { time(NULL) - age_s, 0 }, { time(NULL) - age_s, 0 } };

	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

/* Entries not used for 30 days go; a read keeps one; past the size cap the
 * least recently used go first. */
START_TEST(test_disk_ageing)
{
	static const char *texts[] = { "One.", "Two.", "Three.", "Four." };
	char *p[4], names[8][32], *tmp_old, *tmp_new, *link;
	const time_t day = 24 * 3600;
	off_t size[4];
	FILE *f;

	for (int i = 0; i < 4; i++) {
		struct clip c = get_fresh(&en, texts[i]);
		char before[8][32];
		int n = disk_entries(before, 8);

		free(c.s);
		ck_assert_int_eq(n, i + 1);
		p[i] = NULL;
		/* This text's entry: the one name not seen before. */
		for (int j = 0; j < n; j++) {
			bool known = false;

			for (int k = 0; k < i; k++)
				known = known || strstr(p[k], before[j]);
			if (!known)
				p[i] = entry_path(before[j]);
		}
		ck_assert_ptr_nonnull(p[i]);
		size[i] = file_size(p[i]);
	}
	/* A read touches an entry over a day old, and no other. */
	set_age(p[0], 40 * day);
	set_age(p[1], 40 * day);
	set_age(p[2], 29 * day);
	set_age(p[3], 3600);
	{
		time_t t3 = mtime_of(p[3]);
		struct clip c = get_fresh(&en, texts[0]);

		free(c.s);
		ck_assert_uint_eq(speech_disk_hits(sp), 1);
		ck_assert_int_ge(mtime_of(p[0]), time(NULL) - 60);
		c = get_fresh(&en, texts[3]);
		free(c.s);
		ck_assert_int_eq(mtime_of(p[3]), t3);
	}
	/* Left-overs of a writer that died, and not-a-file where an entry
	 * goes. */
	tmp_old = xasprintf("%s/.tmp-1-1-1", speech_disk_path(sp));
	tmp_new = xasprintf("%s/.tmp-1-2-1", speech_disk_path(sp));
	link = xasprintf("%s/0123456789abcdef", speech_disk_path(sp));
	ck_assert((f = fopen(tmp_old, "w")));
	fclose(f);
	ck_assert((f = fopen(tmp_new, "w")));
	fclose(f);
	set_age(tmp_old, 2 * 3600);
	ck_assert_int_eq(symlink(p[3], link), 0);

	speech_cache_tidy(sp);
	ck_assert_int_eq(access(p[0], F_OK), 0);  /* read: kept */
	ck_assert_int_ne(access(p[1], F_OK), 0);  /* 40 days: gone */
	ck_assert_int_eq(access(p[2], F_OK), 0);  /* 29 days: kept */
	ck_assert_int_eq(access(p[3], F_OK), 0);
	ck_assert_int_ne(access(tmp_old, F_OK), 0);
	ck_assert_int_eq(access(tmp_new, F_OK), 0);
	ck_assert_int_ne(faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(disk_entries(names, 8), 3);

	/* Over the cap: the least recently touched first (p[2], then p[3]),
	 * until under it. */
	set_age(p[0], 1 * day);
	set_age(p[3], 2 * day);
	speech_disk_tidy(speech_disk_path(sp), SPEECH_DISK_MAX_AGE_S,
			 (uint64_t)(size[0] + size[3]));
	ck_assert_int_eq(access(p[0], F_OK), 0);
	ck_assert_int_ne(access(p[2], F_OK), 0);
	ck_assert_int_eq(access(p[3], F_OK), 0);
	speech_disk_tidy(speech_disk_path(sp), SPEECH_DISK_MAX_AGE_S, (uint64_t)size[0]);
	ck_assert_int_eq(access(p[0], F_OK), 0);
	ck_assert_int_ne(access(p[3], F_OK), 0);
	for (int i = 0; i < 4; i++)
		free(p[i]);
	free(tmp_old);
	free(tmp_new);
	free(link);
}
END_TEST

/* Processes storing and reading one entry at once: every read is a miss or
 * the whole line, never part of one, and no temporary file is left. */
START_TEST(test_disk_concurrent)
{
	struct clip ref = get_fresh(&en, SENTENCE);
	pid_t kids[3];
	char names[4][32];

	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			struct speech *s2 = speech_open(err, sizeof(err));
			int bad = !s2;

			for (int k = 0; s2 && k < 20 && !bad; k++) {
				const struct clip *c;

				/* Writers: remove the entry, so that the
				 * next get stores it again. */
				if (i == 0) {
					char n[4][32];

					if (disk_entries(n, 4) == 1) {
						char *p = entry_path(n[0]);

						unlink(p);
						free(p);
					}
				}
				speech_cache_clear(s2);
				c = speech_get(s2, &en, SENTENCE, err, sizeof(err));
				bad = !c || !same(&ref, c);
			}
			speech_close(s2);
			_exit(bad);
		}
	}
	for (int i = 0; i < 3; i++) {
		int status;

		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "process %d read something else", i);
	}
	ck_assert_int_le(disk_entries(names, 4), 1);
	free(ref.s);
}
END_TEST

static Suite *speech_suite(void)
{
	Suite *s = suite_create("speech");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sentence);
	tcase_add_test(tc, test_volume);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_variants);
	tcase_add_test(tc, test_languages);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_variant_outside_dirs);
	tcase_add_test(tc, test_variant_user_files);
	tcase_add_test(tc, test_bad_text);
	tcase_add_test(tc, test_long_text);
	tcase_add_test(tc, test_too_long_speech);
	tcase_add_test(tc, test_crash_isolation);
	tcase_add_test(tc, test_worker_death);
	tcase_add_test(tc, test_datadir);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_lru);
	tcase_add_test(tc, test_worker_eof);
	tcase_add_test(tc, test_parent_death);
	tcase_add_test(tc, test_close_reaps);
	tcase_add_test(tc, test_list_voices);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_req_decode);
	tcase_add_test(tc, test_resample);
	tcase_add_test(tc, test_throughput);
	suite_add_tcase(s, tc);

	tc = tcase_create("disk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_disk_store_read);
	tcase_add_test(tc, test_disk_bad_entries);
	tcase_add_test(tc, test_disk_voice_keys);
	tcase_add_test(tc, test_disk_unwritable);
	tcase_add_test(tc, test_disk_dir);
	tcase_add_test(tc, test_disk_ageing);
	tcase_add_test(tc, test_disk_concurrent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(speech_suite());
}
