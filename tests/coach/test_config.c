/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_config.c: the built-in default, overlays, golden error output for bad
 * files, file problems, the search path, and the settings table against the
 * man page and the sample config. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "coach/config.h"
#include "speech/speech.h"
#include "testlib.h"
#include "base/util.h"

static const char *data_dir(void)
{
	const char *d = getenv("TEST_DATA");

	return d ? d : "tests/data";
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	buf = xrealloc(buf, len + 1);
	buf[len] = '\0';
	return buf;
}

/* Removes every "dir/" from s, so messages name fixtures by base name. */
static char *strip_dir(char *s)
{
	char *prefix = xasprintf("%s/", data_dir()), *p;
	size_t n = strlen(prefix);

	while ((p = strstr(s, prefix)))
		memmove(p, p + n, strlen(p + n) + 1);
	free(prefix);
	return s;
}

/* Loads path; returns what was printed to errf (malloc'd, data dir
 * stripped) and the result in *rc. */
static char *load(struct config *cfg, const char *path, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *errf = open_memstream(&out, &len);

	ck_assert(errf != NULL);
	*rc = config_load(cfg, path, &speech_config_voices, errf);
	fclose(errf);
	return strip_dir(out);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const struct breath *breath_of(const struct config *cfg, const struct exercise *e)
{
	ck_assert_int_ge(e->breath, 0);
	ck_assert_int_lt(e->breath, (int)cfg->n_breaths);
	return &cfg->breaths[e->breath];
}

START_TEST(builtin_loads)
{
	struct config cfg;
	int rc;
	char *out = load(&cfg, NULL, &rc);

	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	free(out);

	ck_assert_uint_eq(cfg.n_files, 1);
	ck_assert_str_eq(cfg.files[0], "(built-in)");
	ck_assert_uint_eq(cfg.general.equipment, (1u << EQ_CHAIR) | (1u << EQ_FLOOR));
	ck_assert_str_eq(cfg.general.routine, "desk-break");
	ck_assert_int_eq(cfg.general.routine_idx, config_routine(&cfg, "desk-break"));
	ck_assert_str_eq(cfg.coach.voice, "calm");
	ck_assert_ptr_eq(cfg.coach.voice_at.file, cfg.files[0]);
	ck_assert_int_gt(cfg.coach.voice_at.line, 0);
	ck_assert_int_eq(cfg.coach.rate, 150);
	ck_assert_int_eq(cfg.coach.pitch, 45);
	ck_assert_int_eq(cfg.coach.range, 40);
	ck_assert_int_eq(cfg.coach.volume, 100);
	ck_assert_int_eq(cfg.metronome.bpm, 60);
	ck_assert_int_eq(cfg.metronome.accent, 4);
	ck_assert_str_eq(cfg.metronome.sound, "click");
	ck_assert_double_eq_tol(cfg.metronome.volume, 0.35, 1e-9);
	ck_assert_ptr_null(cfg.audio.device);
	ck_assert_int_eq(cfg.audio.latency_ms, 1000);
	ck_assert_int_eq(cfg.audio.other_players, OTHER_PAUSE);
	ck_assert(cfg.reminders.enabled);
	ck_assert_int_eq(cfg.reminders.interval_ms, 50 * 60000);
	ck_assert_int_eq(cfg.reminders.from_min, 9 * 60);
	ck_assert_int_eq(cfg.reminders.to_min, 18 * 60);
	ck_assert_uint_eq(cfg.reminders.days, 0x3e); /* Monday to Friday */
	ck_assert_ptr_null(cfg.reminders.message); /* the language's reminder */
	ck_assert_int_eq(cfg.reminders.announce, ANNOUNCE_BOTH);
	ck_assert_int_eq(cfg.reminders.start, START_ASK);
	ck_assert_int_eq(cfg.reminders.answer_within_ms, 2 * 60000);
	ck_assert_str_eq(cfg.reminders.routine, "desk-break");
	ck_assert_int_eq(cfg.reminders.countdown_ms, 10000);
	ck_assert_int_eq(cfg.reminders.snooze_ms, 10 * 60000);

	ck_assert_uint_eq(cfg.n_languages, 2);
	ck_assert_str_eq(cfg.languages[0].name, "en");
	ck_assert_str_eq(cfg.languages[0].voice, "en-us");
	ck_assert_str_eq(cfg.languages[1].name, "de");
	ck_assert_str_eq(cfg.languages[1].voice, "de");
	for (size_t l = 0; l < cfg.n_languages; l++)
		for (int p = 0; p < PH_COUNT; p++)
			ck_assert_msg(cfg.languages[l].phrase[p] && *cfg.languages[l].phrase[p],
				      "%s: no %s", cfg.languages[l].name, phrase_keys[p]);
	ck_assert_str_eq(cfg.languages[0].phrase[PH_NEXT], "Next: {title}.");
	ck_assert_str_eq(cfg.languages[1].phrase[PH_NEXT], "Als N\xc3\xa4" "chstes: {title}.");
	/* The notice is written over continuation lines: joined with spaces. */
	ck_assert_ptr_nonnull(strstr(cfg.languages[0].phrase[PH_NOTICE],
				     "a mild pull is fine. Pain that grows"));
	ck_assert_ptr_nonnull(strstr(cfg.languages[0].phrase[PH_NOTICE], "osteoporosis"));

	ck_assert_int_ge(config_exercise(&cfg, "chair-extension"), 0);
	ck_assert_int_ge(config_exercise(&cfg, "clasped-hands"), 0);
	ck_assert_int_ge(config_exercise(&cfg, "standing-extension"), 0);
	ck_assert_int_eq(config_exercise(&cfg, "no-such"), -1);
	ck_assert_int_eq(config_routine(&cfg, "no-such"), -1);
	config_free(&cfg);
	ck_assert_ptr_null(cfg.files);
}
END_TEST

/* desk-break needs only a chair and uses every kind of cue. It must stay
 * within two to four minutes, so its holds are long enough for a "halfway"
 * callout (20 s) rather than for "N seconds left" (over 30 s): the floor and
 * full routines have those (test_library checks them in the audio). */
START_TEST(builtin_desk_break)
{
	struct config cfg;
	int rc, r;
	char *out = load(&cfg, NULL, &rc);
	const struct routine *rt;
	unsigned via_seen = 0, equipment = 0;
	bool long_hold = false, sides = false, rep_cue = false, caution = false;
	bool breath_reps = false, say = false;

	ck_assert_int_eq(rc, 0);
	free(out);
	r = config_routine(&cfg, "desk-break");
	ck_assert_int_ge(r, 0);
	rt = &cfg.routines[r];
	ck_assert_str_eq(cfg.languages[rt->language].name, "en");
	ck_assert_ptr_nonnull(rt->title);
	ck_assert_ptr_nonnull(rt->intro);
	ck_assert_ptr_nonnull(rt->outro);
	ck_assert_int_gt(rt->rest_ms, 0);
	ck_assert_uint_ge(rt->n_exercises, 3);
	for (size_t i = 0; i < rt->n_exercises; i++) {
		const struct exercise *e = &cfg.exercises[rt->exercises[i]];

		equipment |= e->equipment;
		long_hold |= e->hold_ms >= 20000;
		sides |= e->both_sides;
		rep_cue |= e->rep_cue != NULL;
		caution |= e->caution != NULL;
		if (e->breath >= 0) {
			const struct breath *b = breath_of(&cfg, e);

			for (int p = 0; p < BP_COUNT; p++)
				if (b->ms[p])
					via_seen |= 1u << b->via[p];
			for (int p = 0; p < BP_COUNT; p++)
				say |= e->say[p] != NULL;
		}
		breath_reps |= e->breath >= 0 && e->hold_ms == 0 && e->reps > 1;
	}
	ck_assert_uint_eq(equipment & ~(1u << EQ_CHAIR), 0);
	ck_assert(long_hold);
	ck_assert(sides);
	ck_assert(rep_cue);
	ck_assert(caution);
	ck_assert(breath_reps);
	ck_assert(say);
	/* One way of guiding: tones throughout, with words or without. */
	ck_assert_msg(!(via_seen & (1u << VIA_VOICE)), "a breath cued by voice only");
	ck_assert_msg(via_seen & (1u << VIA_TONE), "no breath cued by tone only");
	ck_assert_msg(via_seen & (1u << VIA_BOTH), "no breath cued by voice and tone");
	config_free(&cfg);
}
END_TEST

START_TEST(overlay)
{
	struct config cfg;
	int rc, i, r;
	char *out = load(&cfg, test_data("good-overlay.ini"), &rc);
	const struct exercise *e;
	const struct breath *b;
	const struct routine *rt;
	char *want;

	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	free(out);
	ck_assert_uint_eq(cfg.n_files, 2);
	ck_assert_str_eq(cfg.files[1], test_data("good-overlay.ini"));

	/* Keys set replace the built-in ones; the others stay. */
	ck_assert_int_eq(cfg.coach.rate, 170);
	ck_assert_ptr_null(cfg.coach.voice);
	ck_assert_ptr_eq(cfg.coach.voice_at.file, cfg.files[1]);
	ck_assert_int_eq(cfg.coach.voice_at.line, 6);
	ck_assert_int_eq(cfg.coach.pitch, 45);
	want = xasprintf("%s/config-tick.wav", data_dir());
	ck_assert_str_eq(cfg.metronome.sound, want);
	free(want);
	ck_assert_double_eq_tol(cfg.metronome.volume, 0.5, 1e-9);
	ck_assert_int_eq(cfg.reminders.from_min, 22 * 60);
	ck_assert_int_eq(cfg.reminders.to_min, 6 * 60);
	/* mon, wed, fri-sun (bit 0 = Sunday) */
	ck_assert_uint_eq(cfg.reminders.days, (1u << 1) | (1u << 3) | (1u << 5) |
						       (1u << 6) | (1u << 0));
	/* ';' not after white space is text. */
	ck_assert_str_eq(cfg.reminders.message, "Up you get;{minutes} minutes is enough.");

	/* An overridden built-in exercise keeps the keys not set. */
	i = config_exercise(&cfg, "chair-extension");
	e = &cfg.exercises[i];
	ck_assert_int_eq(e->reps, 3);
	ck_assert_str_eq(e->title, "Chair backrest stretch");
	ck_assert_str_eq(breath_of(&cfg, e)->name, "calm");
	ck_assert_ptr_eq(e->at.file, cfg.files[0]);

	i = config_exercise(&cfg, "neck-roll");
	ck_assert_int_ge(i, 0);
	e = &cfg.exercises[i];
	ck_assert_ptr_eq(e->at.file, cfg.files[1]);
	ck_assert_int_eq(e->at.line, 27);
	ck_assert_str_eq(e->setup,
			 "Sit tall, shoulders relaxed. Let your chin sink to your chest.");
	/* A line longer than inih's default 199 characters, intact. */
	ck_assert_uint_gt(strlen(e->rep_cue) + strlen("rep_cue = "), 199);
	ck_assert_str_eq(e->rep_cue,
			 "Keep your shoulders low and soft, let your jaw relax, breathe slowly "
			 "through your nose, and turn your head only as far as it goes without "
			 "any strain at all; if anything pinches, make the movement smaller and "
			 "slower.");
	ck_assert_int_eq(e->hold_ms, 20000);
	ck_assert(e->both_sides);
	ck_assert_int_eq(e->switch_ms, 5000);
	ck_assert_int_eq(e->setup_ms, 5000);
	ck_assert_int_eq(e->reps, 1);
	ck_assert_int_eq(e->bpm, 0);
	ck_assert_uint_eq(e->equipment, 1u << EQ_CHAIR);
	ck_assert_ptr_null(e->caution);
	b = breath_of(&cfg, e);
	ck_assert_str_eq(b->name, "slow");
	ck_assert_int_eq(b->ms[BP_INHALE], 5000);
	ck_assert_int_eq(b->ms[BP_HOLD], 0);
	ck_assert_int_eq(b->ms[BP_EXHALE], 7500);
	ck_assert_int_eq(b->via[BP_INHALE], VIA_TONE);
	ck_assert_int_eq(b->via[BP_EXHALE], VIA_VOICE);

	/* An overridden routine: new exercises, built-in title and intro. */
	r = config_routine(&cfg, "desk-break");
	rt = &cfg.routines[r];
	ck_assert_str_eq(rt->title, "Desk break");
	ck_assert_ptr_nonnull(rt->intro);
	ck_assert_uint_eq(rt->n_exercises, 3);
	ck_assert_int_eq(rt->exercises[0], config_exercise(&cfg, "neck-roll"));
	ck_assert_int_eq(rt->exercises[1], config_exercise(&cfg, "chair-extension"));
	ck_assert_int_eq(rt->exercises[2], config_exercise(&cfg, "neck-roll"));

	r = config_routine(&cfg, "evening");
	ck_assert_int_ge(r, 0);
	rt = &cfg.routines[r];
	ck_assert_str_eq(cfg.languages[rt->language].name, "de");
	ck_assert_int_eq(rt->rest_ms, 0);
	ck_assert_str_eq(rt->title, "Abendpause");
	config_free(&cfg);
}
END_TEST

START_TEST(crlf_bom_colon)
{
	struct config cfg;
	int rc;
	char *out = load(&cfg, test_data("good-crlf.ini"), &rc);

	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	free(out);
	ck_assert_int_eq(cfg.coach.pitch, 60);
	ck_assert_str_eq(cfg.routines[config_routine(&cfg, "desk-break")].intro, "One, two.");
	config_free(&cfg);
}
END_TEST

START_TEST(comments_only)
{
	struct config cfg;
	int rc;
	char *out = load(&cfg, test_data("good-comments.ini"), &rc);

	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	free(out);
	ck_assert_int_eq(cfg.coach.rate, 150);
	config_free(&cfg);
}
END_TEST

/* tests/data/bad-X.ini prints exactly tests/data/bad-X.expected. */
START_TEST(bad_golden)
{
	char *pattern = xasprintf("%s/bad-*.ini", data_dir());
	glob_t g;

	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	ck_assert_uint_ge(g.gl_pathc, 8);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *ini = g.gl_pathv[i];
		char *exp_path = xasprintf("%.*s.expected", (int)(strlen(ini) - 4), ini);
		char *expected = read_all(exp_path);
		struct config cfg;
		int rc;
		char *out = load(&cfg, ini, &rc);

		ck_assert_msg(strcmp(out, expected) == 0,
			      "%s:\n--- expected\n%s--- got\n%s", ini, expected, out);
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(cfg.n_files, 0); /* left empty */
		free(out);
		free(expected);
		free(exp_path);
	}
	globfree(&g);
	free(pattern);
}
END_TEST

/* A file with many problems reports them all, in line order. */
START_TEST(all_problems)
{
	struct config cfg;
	int rc, last = 0;
	char *out = load(&cfg, test_data("bad-values.ini"), &rc);

	ck_assert_int_eq(rc, -1);
	ck_assert_int_ge(count_lines(out), 25);
	for (char *line = out; *line; line = strchr(line, '\n') + 1) {
		int n;

		ck_assert_msg(sscanf(line, "bad-values.ini:%d: ", &n) == 1, "%s", line);
		ck_assert_int_ge(n, last);
		last = n;
	}
	free(out);
}
END_TEST

/* A file that cannot be used: exactly one line "FILE: message" (line 0),
 * or "FILE:LINE: message", and -1. */
static void one_problem_at(const char *path, int line, const char *message)
{
	struct config cfg;
	int rc;
	char *out = load(&cfg, path, &rc);
	char *want, *stripped = strip_dir(xstrdup(path));

	if (line > 0)
		want = xasprintf("%s:%d: %s\n", stripped, line, message);
	else
		want = xasprintf("%s: %s\n", stripped, message);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(cfg.n_files, 0);
	free(want);
	free(stripped);
	free(out);
}

static void one_problem(const char *path, const char *message)
{
	one_problem_at(path, 0, message);
}

START_TEST(file_problems)
{
	char *dir = xstrdup(data_dir());

	one_problem(test_data("config-empty.ini"), "file is empty");
	one_problem(test_data("config-blank.ini"), "file is empty");
	one_problem_at(test_data("config-binary.ini"), 4,
		       "binary file, not text (NUL byte in column 1)");
	one_problem_at(test_data("config-latin1.ini"), 4,
		       "not UTF-8 text (invalid byte 0xfc in column 10); save it as UTF-8");
	one_problem_at(test_data("config-tick.wav"), 1,
		       "binary file, not text (NUL byte in column 7)");
	one_problem(test_data("no-such-file.ini"), "cannot open: No such file or directory");
	one_problem(dir, "is a directory, not a config file");
	one_problem("/dev/null", "not a regular file");
	free(dir);
}
END_TEST

/* A config that is a socket (opening one fails with ENXIO): refused as
 * what it is, the way every file of the user's is (util_open_file), not
 * "cannot open: No such device or address". */
START_TEST(file_socket)
{
	char dir[] = "/tmp/bc-test-config-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/backcoach.ini", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	one_problem(sa.sun_path, "not a regular file");
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
}
END_TEST

/* [audio] other_players: pause or keep; anything else names both. */
START_TEST(other_players)
{
	char path[] = "/tmp/bc-test-config-XXXXXX";
	int fd = mkstemp(path), rc;
	struct config cfg;
	char *out, *want;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("[audio]\nother_players = keep\n", f);
	fclose(f);
	out = load(&cfg, path, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(cfg.audio.other_players, OTHER_KEEP);
	config_free(&cfg);
	free(out);

	f = fopen(path, "w");
	fputs("[audio]\nother_players = stop\n", f);
	fclose(f);
	out = load(&cfg, path, &rc);
	ck_assert_int_eq(rc, -1);
	want = xasprintf("%s:2: other_players: ", path);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "pause"));
	ck_assert_ptr_nonnull(strstr(out, "keep"));
	free(want);
	free(out);
	unlink(path);
}
END_TEST

START_TEST(file_huge)
{
	char path[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("[coach]\n", f);
	while (ftell(f) <= 1024 * 1024)
		fprintf(f, "; %-60s\n", "a comment line making this file larger");
	fclose(f);
	one_problem(path, "file too large (more than 1 MiB)");
	unlink(path);
}
END_TEST

START_TEST(file_unreadable)
{
	char path[] = "/tmp/test_config_XXXXXX";
	int fd;

	if (geteuid() == 0)
		return; /* root reads anything: nothing to test */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "[coach]\n", 8), 8);
	close(fd);
	chmod(path, 0);
	one_problem(path, "cannot open: Permission denied");
	unlink(path);
}
END_TEST

/* A metronome sound file must be one libsndfile reads; relative paths are
 * relative to the config file's directory, not the working directory. */
START_TEST(sound_not_audio)
{
	char dir[] = "/tmp/test_config_XXXXXX";
	char *path, *want, *out, *cwd;
	struct config cfg;
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/backcoach.ini", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[metronome]\nsound = backcoach.ini\n", f);
	fclose(f);
	cwd = getcwd(NULL, 0);
	ck_assert_int_eq(chdir("/"), 0);
	out = load(&cfg, path, &rc);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
	ck_assert_int_eq(rc, -1);
	want = xasprintf("%s:2: sound: \"%s\" is not a sound file libsndfile can read (",
			 path, path);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	ck_assert_int_eq(count_lines(out), 1);
	free(want);
	free(out);
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

/* Writes text to a new file in /tmp; returns its malloc'd path. */
static char *write_tmp(const char *text, size_t len)
{
	char *path = xstrdup("/tmp/test_config_XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* A sound file's path is quoted whole in its error, file name and all,
 * however deep the config's directory (resolved, it is over 100
 * characters here; the quote was once cut at 60). */
START_TEST(sound_path_quoted_whole)
{
	const char *rel = "sounds/of/a/rather/deep/directory/tree/kept/for/the/"
			  "metronome/and/friends/missing-tick.wav";
	char *text = xasprintf("[metronome]\nsound = %s\n", rel);
	char *path = write_tmp(text, strlen(text)), *want, *out;
	struct config cfg;
	int rc;

	out = load(&cfg, path, &rc);
	ck_assert_int_eq(rc, -1);
	want = xasprintf("%s:2: sound: \"/tmp/%s\": cannot open: No such file or directory\n",
			 path, rel);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

/* A file of the largest size made of short continuation lines: joined in
 * work linear in its size (bytes copied at most a few times the value's
 * length; joining them one by one from scratch copied the value again for
 * each line: some 10^11 bytes, over 20 s), and the error quotes a short
 * excerpt of the 700 kB value, not all of it. Counted, not timed: the
 * count holds under sanitizers and on a loaded machine. */
START_TEST(continuation_linear)
{
	size_t cap = 1024 * 1024, len = 0, value;
	char *text = xmalloc(cap + 64), *path, *out, *want;
	struct config cfg;
	int rc;

	len += (size_t)sprintf(text, "[general]\nequipment = chair\n");
	while (len + 4 <= cap)
		len += (size_t)sprintf(text + len, " ab\n");
	path = write_tmp(text, len);
	out = load(&cfg, path, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(count_lines(out), 1);
	ck_assert_msg(strlen(out) < 400, "%zu bytes of errors", strlen(out));
	want = xasprintf("%s:2: equipment: unknown equipment \"chair ab ab ", path);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, " ab ...\" (known: chair, floor,"));
	value = 5 + 3 * ((len - 28) / 4);
	ck_assert_msg(config_work.join_bytes <= 3 * value, "%lu bytes copied for %zu",
		      config_work.join_bytes, value);
	free(want);
	free(out);
	unlink(path);
	free(path);

	/* The same lines continuing a text: all of them are joined. */
	len = (size_t)sprintf(text, "[language:en]\nnotice = a\n");
	while (len + 4 <= cap)
		len += (size_t)sprintf(text + len, " ab\n");
	path = write_tmp(text, len);
	out = load(&cfg, path, &rc);
	ck_assert_int_eq(rc, -1);
	value = 1 + 3 * ((len - 25) / 4);
	want = xasprintf("%s:2: notice: text too long (%zu bytes, at most 2000)\n",
			 path, value);
	ck_assert_str_eq(out, want);
	ck_assert_msg(config_work.join_bytes <= 3 * value, "%lu bytes copied for %zu",
		      config_work.join_bytes, value);
	free(want);
	free(out);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

/* Many sections (2,400), and a routine naming them all: found through an
 * index, in a few probes each (a walk through every section takes some 10^7
 * comparisons here; 19,000 sections in 1 MiB took seconds). Counted, not
 * timed: the count holds under sanitizers and on a loaded machine, and a
 * smaller file keeps ASan's slow unwinding on every malloc quick. */
START_TEST(many_sections_linear)
{
	size_t cap = 100 * 1024, len = 0, names;
	char *text = xmalloc(cap + 40000), *path, *out;
	struct config cfg;
	int n = 0, rc;

	while (len < cap)
		len += (size_t)sprintf(text + len, "[exercise:e%d]\ntitle = T\nsetup = S\n"
				       "hold = 10s\n", n++);
	len += (size_t)sprintf(text + len, "[routine:all]\ntitle = All\nexercises = e0");
	for (int i = 1; i < n; i++)
		len += (size_t)sprintf(text + len, ",\n e%d", i);
	text[len++] = '\n';
	path = write_tmp(text, len);
	out = load(&cfg, path, &rc);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	ck_assert_int_ge((int)cfg.n_exercises, n);
	ck_assert_int_ge(config_routine(&cfg, "all"), 0);
	names = cfg.routines[config_routine(&cfg, "all")].n_exercises;
	ck_assert_uint_eq(names, (size_t)n);
	/* A lookup per header and per name, a few probes each. */
	ck_assert_msg(config_work.section_probes <= 8 * ((size_t)n + names),
		      "%lu probes for %d sections and %zu names",
		      config_work.section_probes, n, names);
	config_free(&cfg);
	free(out);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

/* The line limit counts characters, as the message and backcoach.ini(5)
 * say, and holds for every line, comments and headers too. */
START_TEST(line_limit_characters)
{
	char *text, *path, *out, *want;
	struct config cfg;
	size_t len;
	int rc;

	/* 3990 two-byte characters: 7980 bytes, within the limit. */
	text = xmalloc(20000);
	len = (size_t)sprintf(text, "[general]\n; ");
	for (int i = 0; i < 3990; i++)
		len += (size_t)sprintf(text + len, "\xc3\xa4");
	len += (size_t)sprintf(text + len, "\nequipment = chair\n[exercise:x]\ntitle = ");
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(text + len, "\xc3\xa4");
	len += (size_t)sprintf(text + len, "\nsetup = s\nhold = 1s\n");
	path = write_tmp(text, len);
	out = load(&cfg, path, &rc);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(strlen(cfg.exercises[config_exercise(&cfg, "x")].title), 2000);
	config_free(&cfg);
	free(out);
	unlink(path);
	free(path);

	/* A comment line, a header line and a blank line over the limit. */
	len = (size_t)sprintf(text, "[general] ;");
	for (int i = 0; i < 4000; i++)
		text[len++] = 'c';
	len += (size_t)sprintf(text + len, "\nequipment = chair\n; ");
	for (int i = 0; i < 4000; i++)
		len += (size_t)sprintf(text + len, "\xc3\xa4");
	len += (size_t)sprintf(text + len, "\n");
	for (int i = 0; i < 4001; i++)
		text[len++] = ' ';
	len += (size_t)sprintf(text + len, "\nroutine = desk-break\n");
	path = write_tmp(text, len);
	out = load(&cfg, path, &rc);
	want = xasprintf("%s:1: line too long (4011 characters, at most 4000)\n"
			 "%s:3: line too long (4002 characters, at most 4000)\n"
			 "%s:4: line too long (4001 characters, at most 4000)\n",
			 path, path, path);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rc, -1);
	free(want);
	free(out);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

/* A FIFO (or device) named as a sound file is refused at once with FILE:LINE,
 * never waited on; so is a directory. */
START_TEST(sound_fifo)
{
	char dir[] = "/tmp/test_config_XXXXXX";
	char *ini, *fifo, *want, *out;
	struct config cfg;
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ini = xasprintf("%s/backcoach.ini", dir);
	fifo = xasprintf("%s/tick.wav", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[metronome]\n\nsound = tick.wav\n", f);
	fclose(f);
	alarm(20); /* a blocking open would hang here: fail instead */
	out = load(&cfg, ini, &rc);
	alarm(0);
	ck_assert_int_eq(rc, -1);
	want = xasprintf("%s:3: sound: \"%s\": not a regular file\n", ini, fifo);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);

	f = fopen(ini, "w");
	fputs("[metronome]\nsound = /tmp\n", f);
	fclose(f);
	out = load(&cfg, ini, &rc);
	ck_assert_int_eq(rc, -1);
	want = xasprintf("%s:2: sound: \"/tmp\": is a directory, not a file\n", ini);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);
	unlink(fifo);
	unlink(ini);
	rmdir(dir);
	free(fifo);
	free(ini);
}
END_TEST

/* Where a spoken text came from: the setting, a setting inside it, or the
 * phrase it was made from. */
START_TEST(text_origin)
{
	struct config cfg;
	const struct origin *at;
	int rc;
	char *out = load(&cfg, test_data("speech-crash.ini"), &rc);

	ck_assert_int_eq(rc, 0);
	at = config_text_origin(&cfg, "Sit down.");
	ck_assert_ptr_nonnull(at);
	ck_assert_str_eq(at->file, test_data("speech-crash.ini"));
	ck_assert_int_eq(at->line, 9);
	at = config_text_origin(&cfg, "Next: Crash hold.");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(at->line, 8); /* the title in it */
	at = config_text_origin(&cfg, "12 seconds left.");
	ck_assert_ptr_nonnull(at);
	ck_assert_str_eq(at->file, "(built-in)"); /* the phrase */
	ck_assert_ptr_null(config_text_origin(&cfg, "Nothing like this is in it."));
	config_free(&cfg);
	free(out);
}
END_TEST

/* Loading twice gives the same result (inih's options are globals). */
START_TEST(load_twice)
{
	for (int i = 0; i < 2; i++) {
		struct config cfg;
		int rc;
		char *out = load(&cfg, test_data("good-overlay.ini"), &rc);

		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(out, "");
		ck_assert_int_eq(cfg.coach.rate, 170);
		free(out);
		config_free(&cfg);
	}
}
END_TEST

/* Restores an environment variable when done. */
struct saved_env {
	const char *name;
	char *value;
};

static struct saved_env env_save(const char *name)
{
	const char *v = getenv(name);
	struct saved_env s = { name, v ? xstrdup(v) : NULL };

	return s;
}

static void env_restore(struct saved_env *s)
{
	if (s->value)
		setenv(s->name, s->value, 1);
	else
		unsetenv(s->name);
	free(s->value);
}

START_TEST(find)
{
	struct saved_env xdg = env_save("XDG_CONFIG_HOME"), home = env_save("HOME");
	char tmp[] = "/tmp/test_config_XXXXXX";
	char *conf, *file, *p, *hconf, *hfile, *sys;
	struct stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	conf = xasprintf("%s/xdg/backcoach", tmp);
	file = xasprintf("%s/backcoach.ini", conf);
	hconf = xasprintf("%s/.config/backcoach", tmp);
	hfile = xasprintf("%s/backcoach.ini", hconf);
	ck_assert_int_eq(util_mkdir_p(conf, 0700), 0);
	ck_assert_int_eq(util_mkdir_p(hconf, 0700), 0);
	sys = xstrdup(BC_SYSCONFDIR "/backcoach/backcoach.ini");

	/* --config wins, whether it exists or not. */
	p = config_find("/nowhere/x.ini");
	ck_assert_str_eq(p, "/nowhere/x.ini");
	free(p);

	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1); /* no backcoach/ in it */
	p = config_find(NULL);
	if (stat(sys, &st) == 0)
		ck_assert_str_eq(p, sys);
	else
		ck_assert_ptr_null(p);
	free(p);

	f = fopen(hfile, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	p = xasprintf("%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", p, 1);
	free(p);
	p = config_find(NULL);
	ck_assert_str_eq(p, file);
	free(p);

	/* Unset, empty or relative XDG_CONFIG_HOME: ~/.config. */
	unsetenv("XDG_CONFIG_HOME");
	p = config_find(NULL);
	ck_assert_str_eq(p, hfile);
	free(p);
	setenv("XDG_CONFIG_HOME", "", 1);
	p = config_find(NULL);
	ck_assert_str_eq(p, hfile);
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	p = config_find(NULL);
	ck_assert_str_eq(p, hfile);
	free(p);

	unlink(file);
	unlink(hfile);
	rmdir(conf);
	rmdir(hconf);
	p = xasprintf("%s/xdg", tmp);
	rmdir(p);
	free(p);
	p = xasprintf("%s/.config", tmp);
	rmdir(p);
	free(p);
	rmdir(tmp);
	free(conf);
	free(file);
	free(hconf);
	free(hfile);
	free(sys);
	env_restore(&xdg);
	env_restore(&home);
}
END_TEST

/* ---- The settings table ---- */

struct doc_check {
	const char *text; /* the file checked */
	int n;
	int missing;
};

/* The man page documents key in the .SS block of its section, as a line
 * starting "\fBkey\fR". */
static void in_man(void *ctx, const char *section, const char *key, const char *help)
{
	struct doc_check *d = ctx;
	static const char *const instanced[] = { "language", "breath", "exercise", "routine" };
	char *heading = NULL, *want, *start, *end, *found;
	size_t i;

	d->n++;
	ck_assert_msg(help && *help, "[%s] %s has no help", section, key);
	for (i = 0; i < sizeof(instanced) / sizeof(instanced[0]); i++)
		if (strcmp(section, instanced[i]) == 0)
			heading = xasprintf("\n.SS [%s:NAME]\n", section);
	if (!heading)
		heading = xasprintf("\n.SS [%s]\n", section);
	start = strstr(d->text, heading);
	ck_assert_msg(start, "backcoach.ini.5 has no section %s", heading + 1);
	start += strlen(heading);
	end = start + strlen(start);
	for (char *p = start; (p = strchr(p, '\n')); p++)
		if (strncmp(p, "\n.SS", 4) == 0 || strncmp(p, "\n.SH", 4) == 0) {
			end = p;
			break;
		}
	want = xasprintf("\n\\fB%s\\fR", key);
	found = strstr(start, want);
	if (!found || found > end) {
		fprintf(stderr, "backcoach.ini.5: [%s] %s is not documented\n", section, key);
		d->missing++;
	}
	free(want);
	free(heading);
}

START_TEST(settings_in_man_page)
{
	const char *top = getenv("TOP_SRCDIR");
	char *path = xasprintf("%s/man/backcoach.ini.5", top ? top : ".");
	struct doc_check d = { read_all(path), 0, 0 };

	config_settings_foreach(in_man, &d);
	ck_assert_int_ge(d.n, 60);
	ck_assert_int_eq(d.missing, 0);
	free((char *)d.text);
	free(path);
}
END_TEST

/* The sample config shows every key, at least as a comment. */
static void in_sample(void *ctx, const char *section, const char *key, const char *help)
{
	struct doc_check *d = ctx;
	char *a = xasprintf("\n%s = ", key), *b = xasprintf("\n%s =\n", key);

	(void)help;
	d->n++;
	if (!strstr(d->text, a) && !strstr(d->text, b)) {
		fprintf(stderr, "config/backcoach.ini: [%s] %s is not shown\n", section, key);
		d->missing++;
	}
	free(a);
	free(b);
}

START_TEST(settings_in_sample)
{
	const char *top = getenv("TOP_SRCDIR");
	char *path = xasprintf("%s/config/backcoach.ini", top ? top : ".");
	struct doc_check d = { read_all(path), 0, 0 };

	/* The built-in default is that file. */
	ck_assert_str_eq(d.text, config_default_ini);
	config_settings_foreach(in_sample, &d);
	ck_assert_int_eq(d.missing, 0);
	free((char *)d.text);
	free(path);
}
END_TEST

static void count_phrases(void *ctx, const char *section, const char *key, const char *help)
{
	int *n = ctx;

	(void)help;
	for (int p = 0; p < PH_COUNT; p++)
		if (strcmp(section, "language") == 0 && strcmp(key, phrase_keys[p]) == 0)
			(*n)++;
}

START_TEST(phrase_and_equipment_names)
{
	int n = 0;

	config_settings_foreach(count_phrases, &n);
	ck_assert_int_eq(n, PH_COUNT);
	ck_assert_str_eq(phrase_keys[PH_GET_READY], "get_ready");
	ck_assert_str_eq(phrase_keys[PH_COUNT_REP], "count");
	ck_assert_str_eq(phrase_keys[PH_NOTICE], "notice");
	ck_assert_str_eq(equipment_names[EQ_CHAIR], "chair");
	ck_assert_str_eq(equipment_names[EQ_FOAM_ROLLER], "foam-roller");
	ck_assert_str_eq(equipment_names[EQ_BALL], "ball");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	TCase *files = tcase_create("files");
	TCase *table = tcase_create("table");

	tcase_add_test(tc, builtin_loads);
	tcase_add_test(tc, builtin_desk_break);
	tcase_add_test(tc, overlay);
	tcase_add_test(tc, crlf_bom_colon);
	tcase_add_test(tc, comments_only);
	tcase_add_test(tc, bad_golden);
	tcase_add_test(tc, all_problems);
	tcase_add_test(tc, load_twice);
	tcase_add_test(tc, text_origin);
	suite_add_tcase(s, tc);

	tcase_add_test(files, file_problems);
	tcase_add_test(files, file_socket);
	tcase_add_test(files, file_huge);
	tcase_add_test(files, file_unreadable);
	tcase_add_test(files, sound_not_audio);
	tcase_add_test(files, sound_fifo);
	tcase_add_test(files, continuation_linear);
	tcase_add_test(files, sound_path_quoted_whole);
	tcase_add_test(files, many_sections_linear);
	tcase_add_test(files, line_limit_characters);
	tcase_add_test(files, find);
	suite_add_tcase(s, files);

	tcase_add_test(table, settings_in_man_page);
	tcase_add_test(table, other_players);
	tcase_add_test(table, settings_in_sample);
	tcase_add_test(table, phrase_and_equipment_names);
	suite_add_tcase(s, table);
	return test_run(s);
}
