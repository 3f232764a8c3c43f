/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_session.c: a session played into the clocked null sink: start, the
 * end, pause, resume, skip, stop, a lost device, no device. What reached
 * the sink is compared with the mixer's own output. */
#include <check.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "coach/config.h"
#include "audio/mixer.h"
#include "coach/routine.h"
#include "playback/session.h"
#include "audio/sink.h"
#include "speech/speech.h"
#include "testlib.h"
#include "base/util.h"
#include "playback/voice_speech.h"

#define SEC BC_MS_TO_SAMPLES(1000)

static struct config cfg;
static struct speech *sp;

static void setup(void)
{
	char err[256];

	ck_assert_int_eq(config_load(&cfg, NULL, &speech_config_voices, stderr), 0);
	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
}

static void teardown(void)
{
	speech_close(sp);
	config_free(&cfg);
}

/* steps tones, one a second, each its own step, then a second of quiet. */
static void make_timeline(struct timeline *tl, int steps)
{
	static const char *const names[] = { "one", "two", "three", "four" };

	memset(tl, 0, sizeof(*tl));
	tl->n_cues = tl->n_steps = (size_t)steps;
	tl->cues = xcalloc((size_t)steps, sizeof(*tl->cues));
	tl->steps = xcalloc((size_t)steps, sizeof(*tl->steps));
	for (int i = 0; i < steps; i++) {
		tl->steps[i] = (struct step){ .at = i * SEC, .name = names[i],
					      .exercise = -1 };
		tl->cues[i] = (struct cue){
			.at = i * SEC, .len = SEC / 2, .kind = CUE_TONE,
			.role = ROLE_BREATH, .step = i, .phase = -1,
			.f0 = 300.0f + 100.0f * (float)i, .f1 = 300.0f + 100.0f * (float)i,
			.gain = 0.5f,
		};
	}
	tl->length = (int64_t)steps * SEC;
	tl->routine = 0;
}

static void free_timeline(struct timeline *tl)
{
	free(tl->cues);
	free(tl->steps);
	free(tl->waits);
}

/* The whole timeline mixed as the session mixes it. */
static float *reference(const struct timeline *tl, size_t *n)
{
	struct voice_speech vs = { .sp = sp };
	char err[256];
	struct mixer *mx = mixer_new(tl, &cfg, voice_speech_source(&vs), err,
				     sizeof(err));
	float *out = xmalloc((size_t)tl->length * sizeof(float) + 512 * sizeof(float));
	size_t k;

	ck_assert_msg(mx != NULL, "%s", err);
	*n = 0;
	while ((k = mixer_render(mx, out + *n, 512)) > 0)
		*n += k;
	mixer_free(mx);
	return out;
}

struct run {
	struct timeline tl;
	struct sink_null_ctx nc;
	struct session *s;
	int efd;
};

static void start_waiting(struct run *r, int steps, double speed, int64_t wait_at,
			  int64_t wait_ms);

/* What the null sinks start_waiting opens ask for to start (start_frames). */
static size_t burst;

static void start(struct run *r, int steps, double speed)
{
	start_waiting(r, steps, speed, -1, 0);
}

/* As start, with a wait at sample wait_at (-1: none) of at most wait_ms
 * (0: the session does not wait). */
static void start_waiting(struct run *r, int steps, double speed, int64_t wait_at,
			  int64_t wait_ms)
{
	char err[256];

	make_timeline(&r->tl, steps);
	if (wait_at >= 0) {
		r->tl.waits = xcalloc(1, sizeof(*r->tl.waits));
		r->tl.waits[0] = wait_at;
		r->tl.n_waits = 1;
	}
	memset(&r->nc, 0, sizeof(r->nc));
	r->nc.opts.speed = speed;
	r->nc.opts.start_frames = burst;
	r->efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r->tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r->nc), .wait_ms = wait_ms,
	};
	r->s = session_start(&spec, r->efd, err, sizeof(err));
	ck_assert_msg(r->s != NULL, "%s", err);
}

/* The end, signalled on the eventfd within timeout_ms (a bound for a hang;
 * what ended early is asserted on what was heard). */
static enum session_result finish(struct run *r, int timeout_ms, int64_t *heard,
				  char *err, size_t errlen)
{
	struct pollfd p = { .fd = r->efd, .events = POLLIN };
	uint64_t v;
	struct session_info si;

	/* A wait's beginning and end are signalled there too: read on
	 * until the session has ended. */
	do {
		ck_assert_msg(poll(&p, 1, timeout_ms) == 1, "the session did not end");
		ck_assert_int_eq(read(r->efd, &v, sizeof(v)), sizeof(v));
		session_info(r->s, &si);
	} while (si.state != SESSION_ENDED);
	close(r->efd);
	return session_join(r->s, heard, err, errlen);
}

static void done(struct run *r)
{
	sink_null_record_free(&r->nc.rec);
	free_timeline(&r->tl);
}

static struct session_info info(struct run *r)
{
	struct session_info si;
	session_info(r->s, &si);
	return si;
}

/* Wait until the session plays (the sink is open). */
static void wait_playing(struct run *r)
{
	for (int i = 0; i < 4000 && info(r).state == SESSION_STARTING; i++)
		usleep(5000);
	ck_assert_int_eq(info(r).state, SESSION_PLAYING);
}

/* As fast as it goes: everything the mixer made reached the sink, in
 * order, once; the end is SESSION_DONE with all of it heard. */
START_TEST(plays_to_the_end)
{
	struct run r;
	int64_t heard = -1;
	char err[256];
	size_t n;
	float *ref;

	start(&r, 3, 0);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ref = reference(&r.tl, &n);
	ck_assert_uint_eq(n, (size_t)r.tl.length);
	ck_assert_uint_eq(r.nc.rec.n, n);
	ck_assert(memcmp(r.nc.rec.samples, ref, n * sizeof(float)) == 0);
	ck_assert_int_eq(r.nc.rec.written, (int64_t)n);
	ck_assert_int_eq(heard, r.tl.length);
	ck_assert_uint_eq(r.nc.rec.opens, 1);
	ck_assert_uint_eq(r.nc.rec.closes, 1);
	ck_assert(r.nc.rec.closed_ok);          /* drained, not cut */
	ck_assert_uint_eq(r.nc.rec.fades + r.nc.rec.flushes, 0);
	free(ref);
	done(&r);
}
END_TEST

/* Real time: paused, nothing more is heard; resumed, it goes on from
 * there and plays to the end. */
START_TEST(pause_and_resume)
{
	struct run r;
	int64_t heard, p0, p1;
	char err[256];
	float *ref;
	size_t n;

	start(&r, 2, 1.0);
	wait_playing(&r);
	usleep(300000);
	session_pause(r.s, true);
	ck_assert(session_paused(r.s));
	usleep(50000);
	p0 = info(&r).pos;
	ck_assert_int_eq(info(&r).state, SESSION_PAUSED);
	usleep(300000);
	p1 = info(&r).pos;
	ck_assert_int_eq(p1, p0);
	ck_assert_int_gt(p0, 0);
	ck_assert_int_lt(p0, r.tl.length);
	session_pause(r.s, false);
	ck_assert(!session_paused(r.s));
	/* It goes on (however slowly a loaded machine lets it). */
	for (int i = 0; i < 2000 && info(&r).pos <= p1 + BC_MS_TO_SAMPLES(100); i++)
		usleep(5000);
	ck_assert_int_gt(info(&r).pos, p1 + BC_MS_TO_SAMPLES(100));
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	ck_assert_uint_ge(r.nc.rec.pauses, 1);
	ck_assert_uint_ge(r.nc.rec.resumes, 1);
	/* The pause dropped what was queued: resumed, it went on from the
	 * last sample heard. Nothing lost or doubled: what was heard is the
	 * mix, sample for sample. */
	ck_assert_int_gt(r.nc.rec.dropped, 0);
	ck_assert_uint_eq(r.nc.rec.n, (size_t)r.tl.length);
	ref = reference(&r.tl, &n);
	ck_assert_uint_eq(n, r.nc.rec.n);
	ck_assert(memcmp(r.nc.rec.samples, ref, n * sizeof(float)) == 0);
	free(ref);
	done(&r);
}
END_TEST

/* Wait until info(r).waiting is want, for at most ms (a bound for a hang). */
static bool wait_waiting(struct run *r, bool want, int ms)
{
	for (int i = 0; i < ms / 5 && info(r).waiting != want; i++)
		usleep(5000);
	return info(r).waiting == want;
}

/* At a wait the session pauses by itself, exactly there: nothing more is
 * heard until it is resumed; then it goes on from there, nothing lost or
 * doubled. The beginning and the end of the wait are signalled. */
START_TEST(waits_until_resumed)
{
	struct run r;
	int64_t heard, p0;
	char err[256];
	float *ref;
	size_t n;
	struct pollfd p;
	uint64_t v;

	start_waiting(&r, 3, 1.0, SEC, 60000);
	p = (struct pollfd){ .fd = r.efd, .events = POLLIN };
	ck_assert_msg(wait_waiting(&r, true, 20000), "no wait");
	ck_assert_int_eq(poll(&p, 1, 5000), 1); /* signalled */
	ck_assert_int_eq(read(r.efd, &v, sizeof(v)), sizeof(v));
	ck_assert_int_eq(info(&r).state, SESSION_PAUSED);
	ck_assert(session_paused(r.s));
	p0 = info(&r).pos;
	ck_assert_int_eq(p0, SEC);
	ck_assert_int_eq(info(&r).step, 1);
	usleep(500000);
	ck_assert(info(&r).waiting);
	ck_assert_int_eq(info(&r).pos, p0);
	ck_assert_uint_eq(r.nc.rec.n, (size_t)SEC); /* heard up to the wait */
	session_pause(r.s, false); /* play */
	ck_assert_msg(wait_waiting(&r, false, 5000), "still waiting");
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	ref = reference(&r.tl, &n);
	ck_assert_uint_eq(r.nc.rec.n, n);
	ck_assert(memcmp(r.nc.rec.samples, ref, n * sizeof(float)) == 0);
	free(ref);
	done(&r);
}
END_TEST

/* Nobody presses play: after wait_ms it carries on by itself. A skip also
 * ends a wait. Without wait_ms there is no wait at all. */
START_TEST(wait_ends_by_itself)
{
	struct run r;
	int64_t heard;
	char err[256];
	double t0;

	start_waiting(&r, 2, 0, SEC / 2, 300);
	ck_assert_msg(wait_waiting(&r, true, 20000), "no wait");
	t0 = util_now();
	ck_assert_msg(wait_waiting(&r, false, 20000), "waited for ever");
	ck_assert_double_ge(util_now() - t0, 0.2);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	done(&r);

	start_waiting(&r, 3, 0, SEC / 2, 60000);
	ck_assert_msg(wait_waiting(&r, true, 20000), "no wait");
	session_skip(r.s);
	ck_assert_msg(wait_waiting(&r, false, 5000), "the skip did not end the wait");
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	done(&r);

	start_waiting(&r, 2, 0, SEC / 2, 0); /* wait_ms 0: played through */
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_uint_eq(r.nc.rec.pauses, 0);
	done(&r);
}
END_TEST

/* A device that takes its first buffer in one burst asks for it
 * (sink_start_frames) and gets it in one write: at the start, and again
 * after a pause; before a wait, what comes before the wait (which then
 * plays). What is heard is the mix, sample for sample. */
START_TEST(starts_in_one_write)
{
	struct run r;
	int64_t heard;
	char err[256];
	float *ref;
	size_t n;

	burst = SEC + SEC / 4;
	start(&r, 4, 1.0);
	wait_playing(&r);
	usleep(200000);
	session_pause(r.s, true);
	usleep(50000);
	session_pause(r.s, false);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	ck_assert_uint_ge(r.nc.rec.starts, 2);
	ck_assert_uint_eq(r.nc.rec.first_start, burst);
	ck_assert_uint_eq(r.nc.rec.last_start, burst);
	ref = reference(&r.tl, &n);
	ck_assert_uint_eq(n, r.nc.rec.n);
	ck_assert(memcmp(r.nc.rec.samples, ref, n * sizeof(float)) == 0);
	free(ref);
	done(&r);

	start_waiting(&r, 2, 0, SEC / 2, 300);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	ck_assert_uint_eq(r.nc.rec.first_start, SEC / 2);
	ck_assert_uint_ge(r.nc.rec.starts, 2); /* again after the wait */
	ck_assert_uint_eq(r.nc.rec.last_start, burst); /* 1.5 s were left */
	done(&r);
	burst = 0;
}
END_TEST

/* Skip drops what is queued at once and goes on from the next step's
 * start: what is heard after the skip is the mix from there. */
START_TEST(skip_to_next_step)
{
	struct run r;
	int64_t heard;
	char err[256];
	size_t n, before;
	float *ref;

	start(&r, 3, 1.0);
	wait_playing(&r);
	usleep(200000);
	session_skip(r.s);
	for (int i = 0; i < 400 && info(&r).step != 1; i++)
		usleep(5000);
	struct session_info si = info(&r);
	ck_assert_int_eq(si.step, 1);
	ck_assert_int_ge(si.pos, r.tl.steps[1].at);
	ck_assert_uint_ge(r.nc.rec.flushes, 1); /* the caller's, and the worker's after a block under way */
	ck_assert_int_gt(r.nc.rec.dropped, 0);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	/* Heard: the start of step one, then all of steps two and three. */
	ref = reference(&r.tl, &n);
	before = r.nc.rec.n - (n - (size_t)r.tl.steps[1].at);
	ck_assert_int_gt(before, 0);
	ck_assert_int_lt(before, SEC);
	ck_assert(memcmp(r.nc.rec.samples + before, ref + r.tl.steps[1].at,
			 (n - (size_t)r.tl.steps[1].at) * sizeof(float)) == 0);
	free(ref);
	done(&r);
}
END_TEST

/* Repeat goes back to the start of the step heard now: what is heard after
 * it is the mix from that step's start, to the end. */
START_TEST(repeat_step)
{
	struct run r;
	int64_t heard;
	char err[256];
	size_t n, before;
	float *ref;

	start(&r, 3, 1.0);
	wait_playing(&r);
	for (int i = 0; i < 600 && info(&r).pos < r.tl.steps[1].at + SEC / 4; i++)
		usleep(5000);
	ck_assert_int_eq(info(&r).step, 1);
	session_repeat(r.s);
	for (int i = 0; i < 400 && info(&r).pos >= r.tl.steps[1].at + SEC / 4; i++)
		usleep(5000);
	struct session_info si = info(&r);
	ck_assert_int_eq(si.step, 1);
	ck_assert_int_lt(si.pos, r.tl.steps[1].at + SEC / 4);
	ck_assert_uint_ge(r.nc.rec.flushes, 1);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_eq(heard, r.tl.length);
	/* Heard: step one, a quarter of step two or more, then all of steps
	 * two and three. */
	ref = reference(&r.tl, &n);
	before = r.nc.rec.n - (n - (size_t)r.tl.steps[1].at);
	ck_assert_int_ge(before, r.tl.steps[1].at + SEC / 4);
	ck_assert_int_lt(before, 2 * SEC);
	ck_assert(memcmp(r.nc.rec.samples, ref, (size_t)r.tl.steps[1].at * sizeof(float)) == 0);
	ck_assert(memcmp(r.nc.rec.samples + before, ref + r.tl.steps[1].at,
			 (n - (size_t)r.tl.steps[1].at) * sizeof(float)) == 0);
	free(ref);
	done(&r);
}
END_TEST

/* Skip in the last step: that is the end. */
START_TEST(skip_past_the_end)
{
	struct run r;
	int64_t heard;
	char err[256];

	start(&r, 1, 1.0);
	wait_playing(&r);
	session_skip(r.s);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_int_lt(heard, r.tl.length);
	done(&r);
}
END_TEST

/* Stop: what is queued fades at once (the rest is dropped), the end tone
 * follows, and the session ends STOPPED long before the timeline would. */
START_TEST(stop_with_tone)
{
	struct run r;
	int64_t heard;
	char err[256];

	start(&r, 3, 1.0);
	wait_playing(&r);
	usleep(300000);
	session_stop(r.s, true);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_STOPPED);
	ck_assert_uint_eq(r.nc.rec.fades, 1);
	ck_assert_int_gt(r.nc.rec.dropped, 0);
	ck_assert_int_lt(heard, SEC);
	/* The end tone is the last thing heard: a short sound after the fade. */
	float peak = 0;
	for (size_t i = r.nc.rec.n - BC_MS_TO_SAMPLES(100); i < r.nc.rec.n; i++)
		peak = fmaxf(peak, fabsf(r.nc.rec.samples[i]));
	ck_assert_float_gt(peak, 0.05f);
	done(&r);
}
END_TEST

/* Stop without a tone (Ctrl-C in `play`): faded, nothing written after. */
START_TEST(stop_quietly)
{
	struct run r;
	int64_t heard;
	char err[256];
	int64_t written;

	start(&r, 3, 1.0);
	wait_playing(&r);
	usleep(200000);
	session_stop(r.s, false);
	written = r.nc.rec.written;
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_STOPPED);
	ck_assert_uint_ge(r.nc.rec.fades, 1);
	ck_assert_int_le(r.nc.rec.written, written + 512); /* at most a block */
	ck_assert_int_lt(heard, SEC);
	done(&r);
}
END_TEST

/* The device goes away mid-way: FAILED, saying so; the sink is closed. */
START_TEST(lost_device)
{
	struct run r;
	int64_t heard;
	char err[256];

	memset(&r, 0, sizeof(r));
	make_timeline(&r.tl, 3);
	r.nc.opts.speed = 0;
	r.nc.opts.fail_after = SEC;
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r.tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r.nc),
	};
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_FAILED);
	ck_assert_msg(strstr(err, "audio: ") == err, "%s", err);
	ck_assert_msg(strstr(err, "went away") != NULL, "%s", err);
	ck_assert_uint_eq(r.nc.rec.n, (size_t)SEC);
	ck_assert_uint_eq(r.nc.rec.closes, 1);
	done(&r);
}
END_TEST

/* No output at all: FAILED with the opener's words. */
START_TEST(no_device)
{
	struct run r;
	char err[256];

	memset(&r, 0, sizeof(r));
	make_timeline(&r.tl, 1);
	r.nc.opts.open_error = "no output device";
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r.tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r.nc),
	};
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_int_eq(finish(&r, 20000, NULL, err, sizeof(err)), SESSION_NO_OUTPUT);
	ck_assert_str_eq(err, "no output device");
	ck_assert_uint_eq(r.nc.rec.opens, 1);
	ck_assert_uint_eq(r.nc.rec.writes, 0);
	done(&r);
}
END_TEST

/* The mixer cannot be made (the metronome's sound file is gone), while the
 * session's thread opens the sink beside it: FAILED with the mixer's
 * words, the sink closed again, nothing written. */
START_TEST(no_mixer)
{
	struct run r;
	struct config c = cfg;
	char err[256];

	memset(&r, 0, sizeof(r));
	make_timeline(&r.tl, 1);
	c.metronome.sound = (char *)"/nonexistent/tick.wav";
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &c, .tl = &r.tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r.nc),
	};
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_msg(r.s != NULL, "%s", err);
	ck_assert_int_eq(finish(&r, 20000, NULL, err, sizeof(err)), SESSION_FAILED);
	ck_assert_msg(strstr(err, "/nonexistent/tick.wav") != NULL, "%s", err);
	ck_assert_uint_eq(r.nc.rec.opens, 1);
	ck_assert_uint_eq(r.nc.rec.closes, 1);
	ck_assert_uint_eq(r.nc.rec.writes, 0);
	done(&r);
}
END_TEST

/* Until the waiting thread has opened the sink asked for ahead. */
static void wait_opened(struct run *r)
{
	for (int i = 0; i < 400 && !__atomic_load_n(&r->nc.rec.opens, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	ck_assert_uint_eq(__atomic_load_n(&r->nc.rec.opens, __ATOMIC_ACQUIRE), 1);
}

/* A sink opened ahead (a trigger came) is the session's: one open in all,
 * and the session plays through it to the end. */
START_TEST(opened_ahead_is_taken)
{
	struct run r;
	int64_t heard;
	char err[256];

	memset(&r, 0, sizeof(r));
	session_prepare(false);
	make_timeline(&r.tl, 2);
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r.tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r.nc),
	};
	session_open_ahead(&spec.opener, cfg.audio.device, cfg.audio.latency_ms);
	wait_opened(&r);
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_msg(r.s != NULL, "%s", err);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_uint_eq(r.nc.rec.opens, 1);
	ck_assert_uint_eq(r.nc.rec.closes, 1);
	ck_assert_int_eq(heard, r.tl.length);
	done(&r);
}
END_TEST

/* Opened ahead for a start that does not come: closed again by itself
 * (an idle daemon keeps no device open), and the next session opens its
 * own. */
START_TEST(opened_ahead_unused_closes)
{
	struct run r;
	int64_t heard;
	char err[256];
	unsigned closes = 0;

	memset(&r, 0, sizeof(r));
	session_prepare(false);
	struct sink_opener op = sink_null_opener(&r.nc);
	session_open_ahead(&op, cfg.audio.device, cfg.audio.latency_ms);
	for (int i = 0; i < 200 && !closes; i++) {
		usleep(50000);
		closes = __atomic_load_n(&r.nc.rec.closes, __ATOMIC_ACQUIRE);
	}
	ck_assert_uint_eq(closes, 1);
	ck_assert_uint_eq(r.nc.rec.opens, 1);
	ck_assert_uint_eq(r.nc.rec.writes, 0);
	/* The thread waits again: a start now plays, through a new sink. */
	make_timeline(&r.tl, 1);
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r.tl, .vs = { .sp = sp }, .name = "test", .opener = op,
	};
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_msg(r.s != NULL, "%s", err);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_uint_eq(r.nc.rec.opens, 2);
	ck_assert_uint_eq(r.nc.rec.closes, 2);
	done(&r);
}
END_TEST

/* Opened ahead for another latency than the session asks (the config
 * changed meanwhile): that one is closed, the session's own opened. */
START_TEST(opened_ahead_other_latency)
{
	struct run r;
	int64_t heard;
	char err[256];

	memset(&r, 0, sizeof(r));
	session_prepare(false);
	make_timeline(&r.tl, 1);
	r.efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg, .tl = &r.tl, .vs = { .sp = sp }, .name = "test",
		.opener = sink_null_opener(&r.nc),
	};
	session_open_ahead(&spec.opener, cfg.audio.device, cfg.audio.latency_ms + 50);
	wait_opened(&r);
	r.s = session_start(&spec, r.efd, err, sizeof(err));
	ck_assert_msg(r.s != NULL, "%s", err);
	ck_assert_int_eq(finish(&r, 20000, &heard, err, sizeof(err)), SESSION_DONE);
	ck_assert_uint_eq(r.nc.rec.opens, 2);
	ck_assert_uint_eq(r.nc.rec.closes, 2);
	ck_assert_int_eq(heard, r.tl.length);
	done(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("null sink");
	char cache[] = "/tmp/bc-session-XXXXXX", cmd[64];
	int ret;

	/* Its own speech cache, never the user's (~/.cache). */
	if (!mkdtemp(cache))
		return 99;
	setenv("XDG_CACHE_HOME", cache, 1);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, plays_to_the_end);
	tcase_add_test(tc, pause_and_resume);
	tcase_add_test(tc, starts_in_one_write);
	tcase_add_test(tc, waits_until_resumed);
	tcase_add_test(tc, wait_ends_by_itself);
	tcase_add_test(tc, skip_to_next_step);
	tcase_add_test(tc, skip_past_the_end);
	tcase_add_test(tc, repeat_step);
	tcase_add_test(tc, stop_with_tone);
	tcase_add_test(tc, stop_quietly);
	tcase_add_test(tc, lost_device);
	tcase_add_test(tc, no_device);
	tcase_add_test(tc, no_mixer);
	tcase_add_test(tc, opened_ahead_is_taken);
	tcase_add_test(tc, opened_ahead_unused_closes);
	tcase_add_test(tc, opened_ahead_other_latency);
	suite_add_tcase(s, tc);
	ret = test_run(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache);
	if (system(cmd) != 0)
		ret = 99;
	return ret;
}
