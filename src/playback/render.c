/* SPDX-License-Identifier: GPL-3.0-or-later */
/* render.c: the offline path: routine -> timeline -> speech -> mixer -> file. */
#include "playback/render.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "coach/script.h"
#include "playback/voice_speech.h"
#include "base/util.h"

static void draw_progress(int64_t done, int64_t total)
{
	int width = 40, pct = total ? (int)(done * 100 / total) : 100;
	int fill = pct * width / 100;

	fprintf(stderr, "\rrendering [%.*s%*s] %3d%%", fill,
		"########################################", width - fill, "", pct);
	if (done >= total)
		fputc('\n', stderr);
}

static const int stop_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2,
	SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,
#ifdef SIGPWR
	SIGPWR,
#endif
};

void render_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct sigaction sa;

		/* An ignored signal stays ignored (nohup: SIGHUP), as blocked
		 * it would be held pending instead of discarded; but INT and
		 * TERM always stop a render (a shell starts background jobs
		 * with SIGINT ignored, and `kill -INT` still means stop). */
		if (stop_signals[i] != SIGINT && stop_signals[i] != SIGTERM &&
		    sigaction(stop_signals[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			continue;
		sigaddset(set, stop_signals[i]);
	}
}

int render_pending_signal(void)
{
	sigset_t pending, stop;

	render_stop_signals(&stop);
	if (sigpending(&pending) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (sigismember(&stop, stop_signals[i]) &&
		    sigismember(&pending, stop_signals[i]))
			return stop_signals[i];
	return 0;
}

/* The timeline's speech as WebVTT at path, written whole or not at all:
 * into path.tmp, created afresh as a file of the user's (util_open_file:
 * a FIFO, a symlink or anything else at that name is refused, not
 * followed or waited on; a regular file there is a render's that was
 * interrupted, and goes), then renamed. */
static int write_subtitles(const struct timeline *tl, const char *path,
			   char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.tmp", path);
	struct stat st;
	char why[256];
	FILE *f = NULL;
	int fd, ret = -1;
	bool bad;

	if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode))
		(void)unlink(tmp);
	fd = util_open_file(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666, why,
			    sizeof(why));
	if (fd >= 0 && !(f = fdopen(fd, "w"))) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		close(fd);
		unlink(tmp);
	}
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, why);
		free(tmp);
		return -1;
	}
	bad = script_write_vtt(f, tl) < 0;
	if (fclose(f) != 0 || bad)
		snprintf(err, errlen, "%s: write error", tmp);
	else if (rename(tmp, path) < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		ret = 0;
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

int render_routine(const struct config *cfg, struct speech *sp, int routine,
		   const struct compile_opts *opts, const char *out_path,
		   const char *subtitles, bool progress, struct render_stats *st,
		   char *err, size_t errlen)
{
	enum { BLOCK = 4096 };
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	struct mixer *mx = NULL;
	struct sink *sink = NULL;
	float buf[BLOCK];
	double t0 = util_now(), t;
	int64_t done = 0, last_drawn = -1;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	speech_voice_for(cfg, routine, &vs.voice);
	speech_set_cache_budget(sp, 0);
	if (routine_compile(cfg, routine, opts, voice_speech_measure, &vs, &tl,
			    err, errlen) < 0)
		return -1;
	st->compile_s = util_now() - t0 - vs.seconds;
	t = util_now();
	mx = mixer_new(&tl, cfg, voice_speech_source(&vs), err, errlen);
	st->mix_s += util_now() - t;
	if (!mx)
		goto out;
	t = util_now();
	sink = sink_file_open(out_path, err, errlen);
	st->encode_s += util_now() - t;
	if (!sink)
		goto out;
	for (;;) {
		size_t n;

		t = util_now();
		n = mixer_render(mx, buf, BLOCK);
		st->mix_s += util_now() - t;
		if (n == 0)
			break;
		t = util_now();
		if (sink->ops->write(sink, buf, n) < 0) {
			snprintf(err, errlen, "%s", sink->ops->error(sink));
			goto out;
		}
		st->encode_s += util_now() - t;
		done += (int64_t)n;
		if (progress && done * 100 / tl.length != last_drawn) {
			last_drawn = done * 100 / tl.length;
			draw_progress(done, tl.length);
		}
		if (render_pending_signal()) {
			int sig = render_pending_signal();

			snprintf(err, errlen, "%s: interrupted by SIG%s, no file written",
				 out_path, sigabbrev_np(sig));
			goto out;
		}
	}
	if (subtitles && write_subtitles(&tl, subtitles, err, errlen) < 0)
		goto out;
	t = util_now();
	ret = sink->ops->close(sink, true, err, errlen);
	sink = NULL;
	if (ret < 0 && subtitles)
		unlink(subtitles);
	st->encode_s += util_now() - t;
	st->samples = done;
out:
	if (sink)
		sink->ops->close(sink, false, NULL, 0);
	if (progress && ret < 0 && last_drawn >= 0)
		fputc('\n', stderr);
	mixer_free(mx);
	timeline_free(&tl);
	st->speech_s = vs.seconds;
	st->total_s = util_now() - t0;
	return ret;
}
