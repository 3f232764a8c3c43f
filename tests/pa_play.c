/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_play.c: play a tone through the PortAudio sink (sink_pa) the way the
 * daemon does, steered by signals, for tests/test_sink_pa.sh and benches. */

/*
 * The main thread is the worker: it renders a tone in 10 ms blocks and
 * write()s them (blocking while the ring is full). A control thread reads
 * signals from a signalfd (blocked in every thread before PortAudio starts)
 * and calls the sink's thread-safe controls, as the daemon's loop will:
 *   USR1  --wait: start the tone; otherwise pause / resume (the tone
 *         goes on from the last sample heard)
 *   USR2  stop: fade out, then close(ok = false); with --end-tone, a
 *         cut (sink_pa_cut), then the worker writes 0.3 s of 500 Hz and
 *         closes(ok = true), as the daemon's stop with its end tone
 *   HUP   skip: flush what is queued (the tone goes on)
 *   TERM, INT  finish now: close(ok = true), draining what is queued
 * Without signals it plays --seconds of tone and drains.
 *
 * --until-lost plays until the sink reports the device lost (the test kills
 * the sound server), then with --reopen S tries sink_pa_open every 100 ms for
 * up to S s (sink_pa_open reinitialises PortAudio itself after a dead
 * stream) and plays --seconds of tone on the new stream.
 *
 * --repeat N --gap S plays N tones, each followed by sink_pa_standby (the
 * stream stops) and S s of quiet, as the daemon between reminders. With
 * --reopen, a tone whose write or standby fails (the server went away while
 * the stream was stopped) is played again on a reopened sink.
 *
 * Prints "ready" (flushed) when the stream is open, and key=value lines at
 * the end: device rate latency_ms played clock underflows alive, server
 * (pulse-protocol server named, or empty) path output (status's line)
 * dropouts dropout_ms (empty: not observable) realtime (rt_describe), and
 * alive_false (sink_pa_alive turned false), lost_after_s, reopen_ms, reopen,
 * and with --repeat: failed_tone (which tone failed), reopened.
 * --list prints sink_pa_list and exits. Exit status 0 unless something
 * failed that should not have.
 */
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/audio.h"
#include "base/log.h"
#include "audio/sink_pa.h"
#include "audio/rt.h"
#include "base/util.h"

#define BLOCK 220 /* 10 ms at BC_RATE */

enum stop { RUN, FADE, DRAIN };

static struct sink *sink;
static bool end_tone;
static atomic_bool go;
static atomic_int stop;
static atomic_uint resumes;
static int sfd;

static void *control(void *arg)
{
	struct signalfd_siginfo si;

	(void)arg;
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			if (!atomic_load(&go))
				atomic_store(&go, true);
			else if (sink_pa_paused(sink)) {
				sink_pa_resume(sink);
				atomic_fetch_add(&resumes, 1);
			} else
				sink_pa_pause(sink);
			break;
		case SIGUSR2:
			/* The daemon's stop: cut now, then the writer writes
			 * the end tone; else close's quick fade. */
			atomic_store(&stop, FADE); /* first: no tone after the cut */
			if (end_tone)
				sink_pa_cut(sink);
			else
				sink_pa_fade_out(sink);
			atomic_store(&go, true);
			return NULL;
		case SIGHUP:
			sink_pa_flush(sink);
			break;
		default:
			atomic_store(&stop, DRAIN);
			atomic_store(&go, true);
			return NULL;
		}
	}
	return NULL;
}

struct tone {
	double phase, step;
	float amp;
};

static void render(struct tone *t, float *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf[i] = t->amp * (float)sin(t->phase);
		t->phase += t->step;
		if (t->phase > 2 * M_PI)
			t->phase -= 2 * M_PI;
	}
}

/* Reopen the sink every 100 ms for up to secs. */
static struct sink *reopen_sink(const char *device, int64_t latency, double secs)
{
	double r0 = util_now();
	struct sink *s = NULL;
	char err[512];

	while (!s && util_now() - r0 < secs) {
		s = sink_pa_open(device, latency, err, sizeof(err));
		if (!s)
			usleep(100000);
	}
	if (!s)
		printf("reopen=0\nreopen_error=%s\n", err);
	else
		printf("reopen=1\nreopen_ms=%.0f\n", (util_now() - r0) * 1000);
	fflush(stdout);
	return s;
}

/* Play up to frames of tone (all if < 0); -1 when the device is lost.
 * Paused, the sink drops what it had queued and what is written: resumed,
 * the tone goes on from the last sample heard (sink_pa_played), as the
 * daemon's session does. With tail, once all is written, until it is
 * heard (the device may hold a second of it), a pause and resume still
 * acting on it (as the session's drain_tail); a stream that plays nothing
 * for 0.3 s (a sound shorter than the start level) is left to close. */
static int play_tail(struct tone *t, int64_t frames, bool tail)
{
	float buf[BLOCK];
	int64_t base = sink_pa_played(sink), pos = 0, last = -1;
	double phase0 = t->phase, since = util_now();
	unsigned seen = atomic_load(&resumes);

	while (atomic_load(&stop) == RUN && (frames < 0 || pos < frames ||
					     (tail && sink_pa_played(sink) - base < frames))) {
		size_t n = frames < 0 || frames - pos > BLOCK ? BLOCK : (size_t)(frames - pos);

		if (sink_pa_paused(sink)) {
			usleep(2000);
			since = util_now();
			continue;
		}
		if (atomic_load(&resumes) != seen) {
			seen = atomic_load(&resumes);
			sink_pa_flush(sink); /* a block under way at the pause */
			pos = sink_pa_played(sink) - base;
			t->phase = fmod(phase0 + (double)pos * t->step, 2 * M_PI);
			continue;
		}
		if (!n) { /* all written: the tail */
			int64_t heard = sink_pa_played(sink);

			sink_pa_idle(sink); /* running dry now is no underflow */
			if (heard != last) {
				last = heard;
				since = util_now();
			} else if (util_now() - since > 0.3) {
				break;
			}
			usleep(5000);
			continue;
		}
		render(t, buf, n);
		if (sink->ops->write(sink, buf, n) < 0)
			return -1;
		pos += (int64_t)n;
	}
	return 0;
}

static int play(struct tone *t, int64_t frames)
{
	return play_tail(t, frames, false);
}

static void report(struct sink *s)
{
	printf("device=%s\nrate=%.0f\nlatency_ms=%.1f\n", sink_pa_device(s), sink_pa_rate(s),
	       sink_pa_latency_ms(s));
	printf("played=%lld\nclock=%lld\nunderflows=%u\nalive=%d\n",
	       (long long)sink_pa_played(s), (long long)sink_pa_clock(s),
	       sink_pa_underflows(s), sink_pa_alive(s));
	{
		char out[300], rt[200];
		unsigned n;
		double ms;
		bool timed = sink_pa_dropouts(s, &n, &ms);

		sink_pa_describe(s, out, sizeof(out));
		rt_describe(rt, sizeof(rt));
		printf("server=%s\npath=%s\noutput=%s\n", sink_pa_server(s), sink_pa_path(s), out);
		if (timed)
			printf("dropouts=%u\ndropout_ms=%.1f\n", n, ms);
		else
			printf("dropouts=\ndropout_ms=\n");
		printf("realtime=%s\n", rt);
	}
}

static void usage(FILE *f)
{
	fputs("usage: pa_play [--device SUB] [--latency MS] [--freq HZ] [--amp A]\n"
	      "               [--seconds S] [--wait] [--repeat N [--gap S]]\n"
	      "               [--until-lost] [--reopen S] [--end-tone] [--list] [--verbose]\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "latency", required_argument, NULL, 'l' },
		{ "freq", required_argument, NULL, 'f' },
		{ "amp", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "wait", no_argument, NULL, 'w' },
		{ "until-lost", no_argument, NULL, 'u' },
		{ "reopen", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "gap", required_argument, NULL, 'g' },
		{ "end-tone", no_argument, NULL, 'e' },
		{ "list", no_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *device = "";
	double seconds = 1, reopen = 0, freq = 1000, gap = 1;
	int repeat = 1;
	int64_t latency = 0;
	bool wait = false, until_lost = false, list = false, verbose = false;
	struct tone t = { .amp = 0.5f };
	char err[512];
	sigset_t mask;
	pthread_t ctl;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "d:l:f:a:s:wur:n:g:eLvh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 'l': latency = atoll(optarg); break;
		case 'f': freq = atof(optarg); break;
		case 'a': t.amp = (float)atof(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'w': wait = true; break;
		case 'u': until_lost = true; break;
		case 'r': reopen = atof(optarg); break;
		case 'n': repeat = atoi(optarg); break;
		case 'g': gap = atof(optarg); break;
		case 'e': end_tone = true; break;
		case 'L': list = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	t.step = 2 * M_PI * freq / BC_RATE;
	log_init(verbose);

	/* Signals first, before PortAudio or any thread exists. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("pa_play: signalfd");
		return 1;
	}

	if (sink_pa_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "pa_play: %s\n", err);
		return 1;
	}
	if (list) {
		sink_pa_list(stdout);
		sink_pa_terminate();
		return 0;
	}
	sink = sink_pa_open(device, latency, err, sizeof(err));
	if (!sink) {
		fprintf(stderr, "pa_play: %s\n", err);
		sink_pa_terminate();
		return 1;
	}
	atomic_init(&go, !wait);
	atomic_init(&stop, RUN);
	pthread_create(&ctl, NULL, control, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!atomic_load(&go))
		usleep(1000);

	if (until_lost) {
		double t0 = util_now(), t_lost;
		int64_t c0;

		/* Until write() fails; note when the clock stopped. */
		while (play(&t, BLOCK) == 0 && atomic_load(&stop) == RUN && util_now() - t0 < 60) {
			if (!sink_pa_alive(sink))
				break;
		}
		t_lost = util_now();
		c0 = sink_pa_clock(sink);
		printf("alive_false=%d\n", !sink_pa_alive(sink));
		printf("lost_after_s=%.2f\nclock_at_loss=%lld\n", t_lost - t0, (long long)c0);
		report(sink);
		fflush(stdout);
		/* Closing a dead stream must not hang or fail but for ok. */
		sink->ops->close(sink, false, err, sizeof(err));
		sink = NULL;
		if (reopen > 0) {
			sink = reopen_sink(device, latency, reopen);
			if (!sink) {
				ret = 1;
				goto out;
			}
			if (play(&t, (int64_t)(seconds * BC_RATE)) < 0)
				ret = 1;
		}
	} else {
		for (int k = 0; k < repeat && atomic_load(&stop) == RUN; k++) {
			int r;

			if (k)
				usleep((useconds_t)(gap * 1e6));
			r = play_tail(&t, (int64_t)(seconds * BC_RATE), true);
			if (r == 0 && repeat > 1)
				r = sink_pa_standby(sink);
			if (r == 0)
				continue;
			fprintf(stderr, "pa_play: %s\n", sink->ops->error(sink));
			if (reopen <= 0) {
				ret = 1;
				break;
			}
			printf("failed_tone=%d\n", k + 1);
			sink->ops->close(sink, false, err, sizeof(err));
			sink = reopen_sink(device, latency, reopen);
			if (!sink) {
				ret = 1;
				goto out;
			}
			printf("reopened=1\n");
			if (play(&t, (int64_t)(seconds * BC_RATE)) < 0 ||
			    (repeat > 1 && sink_pa_standby(sink) < 0)) {
				ret = 1;
				break;
			}
		}
	}
	if (sink && end_tone && atomic_load(&stop) == FADE) {
		struct tone et = { .amp = 0.5f, .step = 2 * M_PI * 500 / BC_RATE };
		float buf[BLOCK];

		for (int k = 0; k < (int)(0.3 * BC_RATE) / BLOCK; k++) {
			render(&et, buf, BLOCK);
			if (sink->ops->write(sink, buf, BLOCK) < 0)
				ret = 1;
		}
		atomic_store(&stop, DRAIN);
	}
	if (sink) {
		bool ok = atomic_load(&stop) != FADE;

		if (!ok) /* let the fade run before closing */
			usleep(SINK_PA_FADE_MS * 1000 + 50000);
		report(sink);
		if (sink->ops->close(sink, ok, err, sizeof(err)) < 0) {
			fprintf(stderr, "pa_play: %s\n", err);
			ret = 1;
		}
	}
out:
	fflush(stdout);
	sink_pa_terminate();
	/* The control thread may still wait in read(): exiting ends it. */
	return ret;
}
