/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sink_file.c: the file sink writes, reads back, and never leaves a
 * partial file. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/audio.h"
#include "audio/sink.h"
#include "testlib.h"
#include "base/util.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/mix-sink.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Remove what the test left and the directory. */
static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[512];

		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	chmod(dir, 0700);
	rmdir(dir);
}

/* Names in the test directory, space-separated, sorted by readdir order
 * (tests only compare when there are zero or one). */
static int dir_entries(char *names, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	names[0] = '\0';
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		strncat(names, e->d_name, len - strlen(names) - 1);
	}
	if (d)
		closedir(d);
	return n;
}

static char *path_of(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* A test signal: a sweep with an envelope, in [-0.9, 0.9]. */
static float *signal_make(size_t n)
{
	float *s = xmalloc(n * sizeof(float));

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / BC_RATE;
		s[i] = (float)(0.9 * sin(2 * M_PI * (200 + 300 * t) * t) *
			       (0.5 + 0.5 * cos(2 * M_PI * 0.7 * t)));
	}
	return s;
}

/* Write s in uneven blocks through a new sink at path. */
static void write_all(const char *path, const float *s, size_t n)
{
	char err[512] = "";
	struct sink *k = sink_file_open(path, err, sizeof(err));
	size_t done = 0, block = 1;

	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_str_eq(k->ops->name, "file");
	while (done < n) {
		size_t m = n - done < block ? n - done : block;

		ck_assert_int_eq(k->ops->write(k, s + done, m), 0);
		done += m;
		block = block * 3 + 1;
	}
	ck_assert_msg(k->ops->close(k, true, err, sizeof(err)) == 0, "%s", err);
}

static float *read_back(const char *path, SF_INFO *info)
{
	SNDFILE *sf;
	float *s;

	memset(info, 0, sizeof(*info));
	sf = sf_open(path, SFM_READ, info);
	ck_assert_msg(sf != NULL, "%s: %s", path, sf_strerror(NULL));
	s = xcalloc((size_t)info->frames + 1, sizeof(float));
	ck_assert_int_eq(sf_readf_float(sf, s, info->frames), info->frames);
	sf_close(sf);
	return s;
}

static const struct {
	const char *name;
	int format;
	bool lossless;
} fmts[] = {
	{ "out.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, true },
	{ "out.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, true },
	{ "out.OGG", SF_FORMAT_OGG | SF_FORMAT_VORBIS, false },
};

/* Each format: right format, rate, channels, length and content (exact to
 * 16-bit quantisation for WAV and FLAC, close for Vorbis); the file gets the
 * usual mode, no temporary file is left. */
START_TEST(formats)
{
	const size_t n = BC_RATE * 3 + 17;
	float *s = signal_make(n), *r;
	SF_INFO info;
	char names[256];
	struct stat st;
	double err2 = 0, sig2 = 0;

	write_all(path_of(fmts[_i].name), s, n);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 1);
	ck_assert_str_eq(names, fmts[_i].name);
	ck_assert_int_eq(stat(path_of(fmts[_i].name), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0666 & ~022); /* make check's umask */
	r = read_back(path_of(fmts[_i].name), &info);
	ck_assert_int_eq(info.format, fmts[_i].format);
	ck_assert_int_eq(info.samplerate, BC_RATE);
	ck_assert_int_eq(info.channels, 1);
	ck_assert_int_eq(info.frames, (sf_count_t)n);
	if (fmts[_i].lossless)
		ck_assert_each(size_t, i, 0, n, fabsf(s[i] - r[i]) < 1.5f / 32768,
			       "read back %g, wrote %g", r[i], s[i]);
	for (size_t i = 0; i < n; i++) {
		err2 += (double)(r[i] - s[i]) * (r[i] - s[i]);
		sig2 += (double)s[i] * s[i];
	}
	/* Vorbis: better than 20 dB signal to error. */
	ck_assert_double_gt(10 * log10(sig2 / err2), 20);
	free(s);
	free(r);
}
END_TEST

/* Samples beyond +-1.0 are clipped, not a failed FLAC write or a wrapped
 * WAV sample. */
START_TEST(out_of_range)
{
	float s[1000], *r;
	SF_INFO info;

	for (int i = 0; i < 1000; i++)
		s[i] = i % 2 ? 1.7f : -2.5f;
	s[10] = 0.25f;
	write_all(path_of(fmts[_i].name), s, 1000);
	r = read_back(path_of(fmts[_i].name), &info);
	ck_assert_int_eq(info.frames, 1000);
	if (fmts[_i].lossless) {
		ck_assert_float_ge(r[1], 0.999f);
		ck_assert_float_le(r[2], -0.999f);
		ck_assert_float_eq_tol(r[10], 0.25f, 1.0f / 32768);
	}
	free(r);
}
END_TEST

/* WAV samples come out exactly as libsndfile converts floats with clipping
 * on: same rounding at every step, edge cases included. */
START_TEST(wav_matches_libsndfile)
{
	enum { N = 40000 };
	static const float special[] = {
		0.0f, -0.0f, 1.0f, -1.0f, 1.5f, -1.5f, 0x1.fffffep-1f, -0x1.fffffep-1f,
		0x1p-149f, -0x1p-149f, 0x1p-40f, -0x1p-40f, 0x1p-32f, -0x1p-32f,
		32767.5f / 32768, -32767.5f / 32768, 1e30f, -1e30f,
		INFINITY, -INFINITY, NAN, -NAN,
	};
	SF_INFO info = { .samplerate = BC_RATE, .channels = 1,
			 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	float *s = signal_make(N);
	short *a = xmalloc(N * sizeof(short)), *b = xmalloc(N * sizeof(short));
	size_t n = 0;
	SNDFILE *sf;

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		s[n++] = special[i];
	/* Around k / 32768, and just below it where rounding at 2^31 carries
	 * (k - 2^-17) / 32768, for small and large k of both signs. */
	for (int k = -300; k <= 300 && n + 6 <= N; k += k > -130 && k < 130 ? 1 : 37) {
		float x = (float)k / 32768, c = (float)((k - 0x1p-17) / 32768);

		s[n++] = x;
		s[n++] = nextafterf(x, 2);
		s[n++] = nextafterf(x, -2);
		s[n++] = c;
		s[n++] = nextafterf(c, 2);
		s[n++] = nextafterf(c, -2);
	}
	for (int k = 32760; k <= 32768; k++) {
		s[n++] = nextafterf((float)k / 32768, 0);
		s[n++] = -nextafterf((float)k / 32768, 0);
	}
	for (size_t i = n, x = 7; i < N; i++) { /* noise, all the way to clipping */
		x = x * 1103515245 + 12345;
		s[i] = ((float)((x >> 8) & 0xffffff) / 0x800000 - 1.0f) * (i % 3 ? 1.0f : 1.2f);
	}
	write_all(path_of("mine.wav"), s, N);
	sf = sf_open(path_of("lib.wav"), SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	ck_assert_int_eq(sf_writef_float(sf, s, N), N);
	ck_assert_int_eq(sf_close(sf), 0);

	sf = sf_open(path_of("mine.wav"), SFM_READ, &info);
	ck_assert_ptr_nonnull(sf);
	ck_assert_int_eq(info.frames, N);
	ck_assert_int_eq(sf_readf_short(sf, a, N), N);
	sf_close(sf);
	sf = sf_open(path_of("lib.wav"), SFM_READ, &info);
	ck_assert_ptr_nonnull(sf);
	ck_assert_int_eq(sf_readf_short(sf, b, N), N);
	sf_close(sf);
	ck_assert_each(size_t, i, 0, N, a[i] == b[i], "sample %a: %d, libsndfile %d",
		       (double)s[i], a[i], b[i]);
	free(s);
	free(a);
	free(b);
}
END_TEST

START_TEST(unknown_extension)
{
	static const char *const bad[] = { "out.mp3", "out", ".wav", "x.wav/out" };
	char err[512] = "", names[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = path_of(bad[i]);

		ck_assert_ptr_null(sink_file_open(p, err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, p));
		ck_assert_ptr_nonnull(strstr(err, ".wav, .flac or .ogg"));
	}
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
}
END_TEST

/* close(ok = false) leaves nothing, and an existing file of that name is
 * left as it was. */
START_TEST(discard)
{
	float *s = signal_make(5000);
	char err[512] = "", names[256];
	struct sink *k;
	FILE *f;

	/* The file being written has no name (O_TMPFILE: /tmp has it)... */
	k = sink_file_open(path_of("out.wav"), err, sizeof(err));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->ops->write(k, s, 5000), 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
	ck_assert_int_eq(k->ops->close(k, false, NULL, 0), 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);

	/* ... or, without O_TMPFILE, a hidden name that goes with it. */
	sink_file_named_temp = true;
	k = sink_file_open(path_of("out.wav"), err, sizeof(err));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->ops->write(k, s, 5000), 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 1); /* the temp file */
	ck_assert_int_eq(names[0], '.');
	ck_assert_int_eq(k->ops->close(k, false, NULL, 0), 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
	sink_file_named_temp = false;

	f = fopen(path_of("out.flac"), "w");
	fputs("old", f);
	fclose(f);
	k = sink_file_open(path_of("out.flac"), err, sizeof(err));
	ck_assert_int_eq(k->ops->write(k, s, 5000), 0);
	ck_assert_int_eq(k->ops->close(k, false, err, sizeof(err)), 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 1);
	ck_assert_str_eq(names, "out.flac");
	f = fopen(path_of("out.flac"), "r");
	ck_assert_ptr_nonnull(fgets(names, sizeof(names), f));
	fclose(f);
	ck_assert_str_eq(names, "old");
	/* ... and replaced only by a complete render. */
	write_all(path_of("out.flac"), s, 5000);
	free(read_back(path_of("out.flac"), &(SF_INFO){ 0 }));
	free(s);
}
END_TEST

/* A process killed outright (SIGKILL, no cleanup at all) half-way through
 * writing leaves nothing: the file has no name until it is complete. The
 * named-temp-file fallback is tested too, which SIGKILL does leave behind:
 * that is the case O_TMPFILE is for. */
START_TEST(killed_leaves_nothing)
{
	char names[256];

	for (int named = 0; named < 2; named++) {
		int fds[2], status;
		char c;
		pid_t pid;

		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			float *s = signal_make(BC_RATE);
			char err[512];
			struct sink *k;

			sink_file_named_temp = named;
			k = sink_file_open(path_of(fmts[_i].name), err, sizeof(err));
			if (!k || k->ops->write(k, s, BC_RATE) < 0)
				_exit(1);
			(void)!write(fds[1], "w", 1);
			for (;;)
				pause(); /* killed here, mid-file */
		}
		close(fds[1]);
		ck_assert_int_eq(read(fds[0], &c, 1), 1);
		close(fds[0]);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		if (!named) {
			ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
		} else {
			ck_assert_int_eq(dir_entries(names, sizeof(names)), 1);
			ck_assert_int_eq(names[0], '.');
		}
	}
}
END_TEST

/* Without O_TMPFILE the file is complete and alone too: committed by a
 * rename, over an old file as well. */
START_TEST(named_fallback)
{
	float *s = signal_make(5000);
	char names[256];

	sink_file_named_temp = true;
	write_all(path_of(fmts[_i].name), s, 5000);
	write_all(path_of(fmts[_i].name), s, 5000);
	sink_file_named_temp = false;
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 1);
	ck_assert_str_eq(names, fmts[_i].name);
	free(read_back(path_of(fmts[_i].name), &(SF_INFO){ 0 }));
	free(s);
}
END_TEST

START_TEST(unwritable_directory)
{
	char err[512] = "", names[256];
	char *p = path_of("missing/out.wav");

	ck_assert_ptr_null(sink_file_open(p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, p));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	ck_assert_ptr_null(sink_file_open("/proc/out.wav", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/proc/out.wav: cannot create"));
	if (geteuid() != 0) { /* root writes anywhere */
		chmod(dir, 0500);
		ck_assert_ptr_null(sink_file_open(path_of("out.wav"), err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
		chmod(dir, 0700);
	}
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
}
END_TEST

/* A write that fails half-way (file size limit: EFBIG) is reported, and
 * the commit fails without leaving the partial file or the temp file. */
START_TEST(write_failure)
{
	const size_t n = BC_RATE * 10;
	float *s = signal_make(n);
	char err[512] = "", names[256];
	struct rlimit old, lim;
	struct sink *k;
	int failed = 0;

	/* Noise, so that even Vorbis makes far more than the limit. */
	for (size_t i = 0, x = 1; i < n; i++) {
		x = x * 1103515245 + 12345;
		s[i] += (float)((x >> 16) & 0x7fff) / 32768.0f * 0.2f - 0.1f;
	}
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 16 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	k = sink_file_open(path_of(fmts[_i].name), err, sizeof(err));
	ck_assert_ptr_nonnull(k);
	for (size_t done = 0; done < n; done += 4096)
		if (k->ops->write(k, s + done, n - done < 4096 ? n - done : 4096) < 0) {
			failed++;
			ck_assert_ptr_nonnull(strstr(k->ops->error(k), fmts[_i].name));
		}
	ck_assert_int_eq(k->ops->close(k, true, err, sizeof(err)), -1);
	setrlimit(RLIMIT_FSIZE, &old);
	ck_assert_ptr_nonnull(strstr(err, path_of(fmts[_i].name)));
	if (fmts[_i].lossless) /* the Vorbis encoder buffers more */
		ck_assert_int_gt(failed, 0);
	ck_assert_int_eq(dir_entries(names, sizeof(names)), 0);
	free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sink_file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, formats, 0, 3);
	tcase_add_loop_test(tc, out_of_range, 0, 3);
	tcase_add_test(tc, wav_matches_libsndfile);
	tcase_add_test(tc, unknown_extension);
	tcase_add_test(tc, discard);
	tcase_add_loop_test(tc, killed_leaves_nothing, 0, 3);
	tcase_add_loop_test(tc, named_fallback, 0, 3);
	tcase_add_test(tc, unwritable_directory);
	tcase_add_loop_test(tc, write_failure, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	umask(022);
	return test_run(suite());
}
