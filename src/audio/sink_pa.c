/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink_pa.c: live output through PortAudio, fed by a lock-free ring. */
#include "audio/sink_pa.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <pa_linux_alsa.h>
#include <portaudio.h>
#include <samplerate.h>
#ifdef HAVE_ALSA
#include <alsa/asoundlib.h>
#endif

#include "base/audio.h"
#include "base/log.h"
#include "audio/pulse_server.h"
#include "audio/ring.h"
#include "audio/rt.h"
#include "base/util.h"

/*
 * Data path: write() (the daemon's worker) -> [resampler, only if the device
 * refused BC_RATE] -> ring -> callback -> PortAudio -> ALSA "default" -> the
 * sound server. The callback is written like paex_sine.c: one struct, copies
 * and arithmetic, no malloc, free, locks, logging or system calls; what the
 * ring lacks is zero-filled. Pause, stop and skip cut (cut()): the stream is
 * aborted at once from the asking thread, which drops what PortAudio, ALSA
 * and the sound server hold (writing silence instead would queue behind the
 * whole device buffer), the ring is emptied, and played is wound back to the
 * last sample the DAC had reached (the callback's outputBufferDacTime
 * history), so a resume goes on from what was heard. Close's quick fade
 * reaches the callback through atomics and the ring's positions.
 *
 * Start and stop: a stopped stream is started by the write that queues
 * what PortAudio's ALSA host API asks for in one burst when it starts: the
 * whole device buffer and a period (start_level; the writer mixes it in one
 * go, sink_start_frames). The burst's callbacks then return at once and the
 * first period goes to the server as soon as the first callback returns,
 * as with a freshly opened stream playing a tone (a running stream would
 * queue it behind a buffer of silence; a callback in the burst waiting for
 * the writer held back the first period with it). The writer then sleeps
 * half a period (settle) before it fills the rest of the queue. Where less
 * than the burst fits in the queue, the burst's later callbacks wait for
 * the writer (await_audio). What is heard (sink_pa_played) comes from the
 * times the callback's buffers reach the DAC, read from any thread under a
 * sequence lock. Standby and close
 * drain the stream (until the last sample reached the DAC) and close it,
 * so an idle daemon has no callbacks, no wakeups and no stream on the
 * server.
 *
 * PortAudio's chatter: Pa_Initialize probes ALSA's and JACK's devices and
 * both libraries print failures straight to fd 2 (~90 lines on a machine
 * without a sound card; snd_lib_error_set_handler is out of reach through
 * PortAudio, JACK has no switch at all). Around Pa_Initialize, Pa_Terminate
 * and opening, starting, stopping and closing a stream (the ALSA pulse
 * plugin complains there when the server is gone), fd 2 is pointed at an
 * in-memory file (memfd); afterwards fd 2 is restored and the lines our own
 * logger wrote meanwhile ("backcoach: ..." or journal "<N>...") are copied
 * out, the rest dropped (counted under -v). Other threads' log lines are
 * thus delayed by the call (tens of ms), never lost. One lock serialises
 * these sections and all PortAudio calls that change global state.
 *
 * Not covered: when the sound server dies under a running stream,
 * PortAudio's ALSA thread prints three "Expression '...' failed in
 * 'src/hostapi/alsa/pa_linux_alsa.c'" lines by itself (PA_ENSURE; the hook
 * PaUtil_SetDebugPrintFunction is not exported by Debian's library). Hiding
 * those would need fd 2 redirected for the process's whole life through a
 * filtering thread.
 */

/* The writer, finding the queue full, sleeps until this much has played
 * (at most half the queue; an eighth without sink_pa_set_queue): a session's
 * full 2 s queue wakes it twice a second. */
#define REFILL_MS 500
/* Callbacks remembered for what is heard: where each buffer reaches the
 * DAC (64 periods: 32 latencies). */
#define HIST 64
#define DRAIN_MARGIN_MS 50      /* silence after the last sample on drain */
#define START_EXTRA_MS 10       /* queued at the start beyond one period */
#define SERVER_QUERY_MS 500     /* how long the sound server may take to answer */

struct sink_pa {
	struct sink base;
	PaStream *stream;
	struct ring *ring;
	double rate;              /* the device's rate (BC_RATE unless refused) */
	double latency_ms;        /* Pa_GetStreamInfo outputLatency */
	double period_ms;         /* a callback's buffer, as asked (below) */
	unsigned long frames_per_buffer; /* asked of Pa_OpenStream: a period of
	                             the latency / SINK_PA_PERIODS (ALSA) */
	bool alsa_periods;        /* ALSA host API: frames_per_buffer is set */
	double dead_after;        /* s without a callback: device lost */
	size_t high_water;        /* write() waits while this much is queued */
	size_t start_level;       /* a stopped stream starts once this much is
	                             queued (at most high_water: start_at) */
	size_t fade_len;          /* frames of the fade-out */
	char device[160];
	char error[512];
	/* For status: the pulse-protocol server that answered when the stream
	 * opened ("" if none, or not the path), and the path to it. */
	char server[64];
	char path[200];

	/* Resampling when the device refused BC_RATE. */
	SRC_STATE *src;
	double ratio;
	float *rs_buf;
	size_t rs_len;

	atomic_bool dead;         /* lost, or a start failed */
	PaStreamParameters par;   /* to open the stream again */
	PaAlsaStreamInfo alsa;    /* par's ALSA "default" by name (lean) */
	double opened_at;         /* when p->stream was opened (stream NULL: closed) */

	/* Shared with the callback. */
	atomic_bool running;      /* started (set by the writing thread) */
	atomic_bool paused, idle, finished;
	atomic_uint fade_req;
	atomic_size_t fade_pos;   /* ring write position at the fade request */
	atomic_llong played, clock;
	atomic_uint xruns, underruns;
	/* Dropouts by the stream's timing (watch_timing); timed: the host API
	 * reports output times at all. */
	atomic_uint drops;
	atomic_llong drop_us;
	atomic_bool timed;
	atomic_int cb_tid;        /* the callback's thread, once it ran */

	/* The callback's own. */
	double t_offset;          /* monotonic clock minus stream time */
	unsigned fade_seen;
	size_t fade_target, fade_left;
	bool fading;
	bool dry_ok; /* running dry is expected (filling after idle, flush...) */
	bool tid_seen;
	bool slip_set, settled, dry; /* watch_timing's */
	double t_first, slip0, slip_mark;

	/* The writing thread's: realtime asked for the audio threads of this
	 * stream (the callback's is known after its first call). */
	bool rt_pending;
	bool rt_writer;

	/* What the callback handed out, buffer by buffer: when its first
	 * sample reaches the DAC (util_now's clock), played before it, and
	 * how much of it was written audio (the rest: zeros). Written by the
	 * callback while the stream runs (others read it under hist_seq), by
	 * start, stop and cut while it is stopped. */
	struct cb_rec { double due; long long played; unsigned long got; } hist[HIST];
	unsigned long n_hist;
	/* hist as other threads read it while the stream runs (heard_at): odd
	 * while the callback writes an entry (a sequence lock). */
	atomic_uint hist_seq;
	/* The callback, short of audio, waits on more (until its buffer is
	 * nearly due: see await_audio); cb_waiting tells the writer to post. */
	sem_t more;
	atomic_bool cb_waiting;
	atomic_bool stopping;     /* a cut or stop is under way: do not wait */
	/* Start, stop and cut, and the ring's consumer side while the stream
	 * is stopped, under ctl; the writer sleeps on wake (monotonic clock)
	 * and is woken by a cut, pause, resume or close. cuts counts cuts: a
	 * write that sees it change drops the rest of its samples. */
	pthread_mutex_t ctl;
	pthread_cond_t wake;
	unsigned cuts;
	size_t refill;            /* the writer sleeps until this much played */
	unsigned src_gen;         /* the writer's: cuts at the resampler's last reset */

	/* sink_pa_alive()'s heartbeat: the clock and when it last moved. */
	pthread_mutex_t hb_lock;
	long long hb_clock;
	double hb_time;
};

/* Module state, under lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool pa_ready;   /* Pa_Initialize succeeded */
static int open_count;  /* streams open */
static bool stale;      /* a stream died: the device list may be out of date */
static bool lean;       /* sink_pa_init_lean: ALSA listed a stand-in only */

/* Whether ALSA's config defines "pulse" (-1: not read yet), as last read
 * off the way to the first sound: by sink_pa_init_lean, when a stream
 * closes, and by sink_pa_list. Reading it (snd_config_update: a stat of
 * every config file, a parse when one changed) took 0.1-0.4 ms of the
 * trigger's 4 ms. An answer gone stale while idle costs one open: a
 * "pulse" removed since fails to open and ALSA's default is opened instead
 * (sink_pa_open), one added since is taken from the next session on.
 * Under lock. */
static int has_pulse_pcm = -1;
static bool alsa_has_pcm(const char *name);

/* A sound library's own line on a resource we ran out of ("Too many open
 * files"), caught in quiet_end: its error code alone says something else
 * ("Illegal combination of I/O devices"). */
static char lib_said[160];
static int lib_errno; /* the errno its words are */

static void catch_shortage(const char *line)
{
	static const int codes[] = { EMFILE, ENFILE, ENOMEM };

	for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++)
		if (strstr(line, strerror(codes[i]))) {
			snprintf(lib_said, sizeof(lib_said), "%.*s", (int)strcspn(line, "\n"),
				 line);
			lib_errno = codes[i];
			return;
		}
}

/* Opening failed: when the cause is this process's limits, not the sound
 * server or the device, say so first. */
static void name_shortage(char *err, size_t errlen)
{
	char why[320], *was;

	if (lib_said[0]) {
		size_t n;

		util_resource_name(lib_errno, why, sizeof(why));
		n = strlen(why);
		snprintf(why + n, sizeof(why) - n, "; the sound library said \"%s\"",
			 lib_said);
	} else if (!util_resource_short(why, sizeof(why))) {
		return;
	}
	lib_said[0] = '\0';
	was = xstrdup(err);
	snprintf(err, errlen, "this process ran out of resources: %s (%s)", why, was);
	free(was);
}

/* --- keeping PortAudio's chatter off stderr --- */

struct quiet {
	int saved; /* the real fd 2, or -1 */
	int cap;   /* where fd 2 points meanwhile */
};

static void quiet_begin(struct quiet *q)
{
	q->saved = -1;
	fflush(stderr);
	q->cap = memfd_create("backcoach-portaudio", MFD_CLOEXEC);
	if (q->cap < 0)
		q->cap = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (q->cap < 0)
		return;
	q->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (q->saved < 0 || dup2(q->cap, STDERR_FILENO) < 0) {
		if (q->saved >= 0)
			close(q->saved);
		close(q->cap);
		q->saved = -1;
	}
}

/* Our logger's lines: "backcoach: ..." on a terminal, "<N>..." to journald. */
static bool own_line(const char *s)
{
	return !strncmp(s, "backcoach", 9) ||
	       (s[0] == '<' && s[1] >= '0' && s[1] <= '7' && s[2] == '>');
}

static void quiet_end(struct quiet *q, const char *what)
{
	char *line = NULL;
	size_t cap = 0;
	int dropped = 0;
	FILE *f;

	if (q->saved < 0)
		return;
	fflush(stderr);
	dup2(q->saved, STDERR_FILENO);
	close(q->saved);
	if (lseek(q->cap, 0, SEEK_SET) < 0 || !(f = fdopen(q->cap, "r"))) {
		close(q->cap);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		if (own_line(line)) {
			fputs(line, stderr);
		} else {
			catch_shortage(line);
			dropped++;
		}
	}
	free(line);
	fclose(f);
	if (dropped)
		log_debug("%s: %d lines of sound-library output hidden", what, dropped);
}

/* --- the callback --- */

/* Does stream position a come before b? (Free-running counters.) */
static inline bool before(size_t a, size_t b)
{
	return b - a - 1 < SIZE_MAX / 2;
}

/* Dropouts as the stream's timing shows them. PortAudio gives each buffer
 * the time its first sample reaches the DAC (outputBufferDacTime; through
 * ALSA: now plus the PCM's delay, which the pulse plugin takes from the
 * server's timing). Two signs of a gap the device or server played instead
 * of our samples (an underrun there, a stalled server, our threads late
 * under load), whether or not the host API flags it:
 * - the device queue ran dry: the buffer is due at the DAC now (ahead of
 *   the callback by less than DRY_S; a running stream keeps ~its latency
 *   queued). One dropout per dry spell;
 * - slip: had playback been continuous since the stream settled, this
 *   buffer would be due at the settled time plus what the callback produced
 *   since (clock) at the device rate; it is due later by the length of the
 *   gaps since. A rise above its highest value so far by GAP_S counts too
 *   (a gap the queue did not show), and the rises during and right after a
 *   dry spell are the dropouts' length. Smaller rises are clock drift and
 *   the plugin's timing corrections (PipeWire: ~1 ms per 100 ms against a
 *   timer-driven null sink, steps of up to 6 ms), not counted.
 * The stream settles after its priming burst (the callbacks at the start,
 * all within a few ms; PulseAudio then starts playing ~50 ms after its
 * estimate). A host API that reports no times leaves dropouts unobservable
 * (timed false). */
#define DRY_S 0.002
#define GAP_S 0.020

static inline void watch_timing(struct sink_pa *p, const PaStreamCallbackTimeInfo *ti)
{
	double slip, rise;
	bool dry;

	if (!ti || ti->outputBufferDacTime <= 0 || ti->currentTime <= 0)
		return;
	slip = ti->outputBufferDacTime -
	       (double)atomic_load_explicit(&p->clock, memory_order_relaxed) / p->rate;
	if (!p->slip_set) { /* the priming burst */
		p->slip_set = true;
		p->settled = false;
		p->t_first = ti->currentTime;
		return;
	}
	if (!p->settled) {
		if (ti->currentTime - p->t_first < 0.010)
			return;
		p->settled = true;
		p->slip0 = slip;
		p->slip_mark = 0;
		p->dry = false;
		atomic_store_explicit(&p->timed, true, memory_order_relaxed);
		return;
	}
	slip -= p->slip0;
	rise = slip - p->slip_mark;
	dry = ti->outputBufferDacTime - ti->currentTime < DRY_S;
	if ((dry && !p->dry) || (!dry && !p->dry && rise > GAP_S))
		atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
	if (rise > 0 && (dry || p->dry || rise > GAP_S))
		atomic_fetch_add_explicit(&p->drop_us, (long long)(rise * 1e6), memory_order_relaxed);
	if (rise > 0)
		p->slip_mark = slip;
	p->dry = dry;
}

/* The history's sequence lock (hist_seq): the callback, or a thread that
 * has stopped the stream, around each change of hist, n_hist or played. */
static inline void hist_begin(struct sink_pa *p)
{
	unsigned q = atomic_load_explicit(&p->hist_seq, memory_order_relaxed);

	atomic_store_explicit(&p->hist_seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static inline void hist_end(struct sink_pa *p)
{
	atomic_fetch_add_explicit(&p->hist_seq, 1, memory_order_release);
}

/* The ring holds less than the callback needs: wait for the writer, at
 * most half the time until this buffer reaches the DAC (what it holds
 * before then plays on), or 10 ms for a buffer due at once: a writer that
 * fell behind, or a start burst larger than the queue. Not while idle,
 * paused or fading (nothing more is coming), nor without the stream's
 * times. The writer, a cut, pause, fade, idle and close post more. */
#define WAIT_FIRST_S 0.010
static inline void await_audio(struct sink_pa *p, unsigned long frames,
			       const PaStreamCallbackTimeInfo *ti)
{
	unsigned fade = atomic_load_explicit(&p->fade_req, memory_order_relaxed);
	double lead, budget;
	struct timespec ts;
	long long ns;

	if (!ti || ti->outputBufferDacTime <= 0 || ti->currentTime <= 0)
		return;
	lead = ti->outputBufferDacTime - ti->currentTime;
	budget = lead < 0.002 ? WAIT_FIRST_S : lead / 2;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = ts.tv_nsec + (long long)(budget * 1e9);
	ts.tv_sec += (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	for (;;) {
		atomic_store(&p->cb_waiting, true);
		/* The flag before the ring's position (StoreLoad): a write
		 * that the check misses sees the flag and posts. */
		atomic_thread_fence(memory_order_seq_cst);
		if (ring_readable(p->ring) >= frames ||
		    atomic_load_explicit(&p->idle, memory_order_relaxed) ||
		    atomic_load_explicit(&p->paused, memory_order_relaxed) ||
		    atomic_load_explicit(&p->stopping, memory_order_relaxed) ||
		    atomic_load_explicit(&p->fade_req, memory_order_relaxed) != fade)
			break;
		if (sem_clockwait(&p->more, CLOCK_MONOTONIC, &ts) < 0 && errno == ETIMEDOUT)
			break;
	}
	atomic_store_explicit(&p->cb_waiting, false, memory_order_relaxed);
}

/* Wake the callback if it waits for audio (await_audio). */
static inline void post_more(struct sink_pa *p)
{
	atomic_thread_fence(memory_order_seq_cst); /* see await_audio */
	if (atomic_load(&p->cb_waiting))
		sem_post(&p->more);
}

static int sink_pa_cb(const void *in, void *out, unsigned long frames,
		      const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *data)
{
	struct sink_pa *p = data;
	float *o = out;
	size_t got = 0, tail = ring_read_pos(p->ring);
	/* Before reading: the producer clears idle after queueing. */
	bool idle = atomic_load_explicit(&p->idle, memory_order_relaxed);
	unsigned req;

	(void)in;
	if (!p->tid_seen) { /* once per stream start: for rt_thread */
		p->tid_seen = true;
		atomic_store_explicit(&p->cb_tid, (int)gettid(), memory_order_relaxed);
	}
	watch_timing(p, ti);
	if (flags & paOutputUnderflow)
		atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
	req = atomic_load_explicit(&p->fade_req, memory_order_acquire);
	if (req != p->fade_seen) {
		p->fade_seen = req;
		p->fade_target = atomic_load_explicit(&p->fade_pos, memory_order_relaxed);
		p->fade_left = p->fade_len;
		p->fading = true;
		p->dry_ok = true;
	}

	if (atomic_load_explicit(&p->paused, memory_order_relaxed)) {
		/* Consume nothing; still honour flush and fade (silent now). */
		if (p->fading) {
			ring_discard_to(p->ring, p->fade_target);
			p->fading = false;
		} else {
			ring_discard(p->ring, 0);
		}
		p->dry_ok = true;
		memset(o, 0, frames * sizeof(float));
		atomic_fetch_add_explicit(&p->clock, (long long)frames, memory_order_relaxed);
		return paContinue;
	}

	if (!p->fading && !idle && ring_readable(p->ring) < frames) {
		await_audio(p, frames, ti);
		/* The writer may have said it has no more meanwhile. */
		idle = atomic_load_explicit(&p->idle, memory_order_relaxed);
	}
	got = ring_read(p->ring, o, frames);
	if (got < frames) {
		memset(o + got, 0, (frames - got) * sizeof(float));
		/* Running dry counts unless idle, or while filling up after
		 * idle, a flush, fade or pause (until the first full read). A
		 * read position that jumped further than we read: a flush was
		 * applied just now. */
		if (idle || ring_read_pos(p->ring) - tail != got)
			p->dry_ok = true;
		else if (!p->dry_ok)
			atomic_fetch_add_explicit(&p->underruns, 1, memory_order_relaxed);
	} else {
		p->dry_ok = false;
	}
	if (p->fading) {
		size_t pos = ring_read_pos(p->ring) - got;

		/* Ramp what was queued at the request down to 0 over fade_len
		 * samples (0 after it) and drop the rest of it; audio written
		 * after the request plays at full level. */
		for (size_t i = 0; i < got && before(pos, p->fade_target); i++, pos++) {
			o[i] *= (float)p->fade_left / (float)p->fade_len;
			if (p->fade_left)
				p->fade_left--;
		}
		if (!before(pos, p->fade_target)) {
			p->fading = false;
		} else if (!p->fade_left) {
			ring_discard_to(p->ring, p->fade_target);
			p->fading = false;
		}
		p->dry_ok = true;
	}
	{
		unsigned long k = p->n_hist % HIST;

		/* When it reaches the DAC, on our monotonic clock (the stream's
		 * is the realtime clock through ALSA). */
		if (ti && ti->outputBufferDacTime > 0 && ti->currentTime > 0)
			p->t_offset = util_now() - ti->currentTime;
		hist_begin(p);
		p->hist[k].due = ti && ti->outputBufferDacTime > 0 ? ti->outputBufferDacTime + p->t_offset : 0;
		p->hist[k].played = atomic_load_explicit(&p->played, memory_order_relaxed);
		p->hist[k].got = got;
		p->n_hist++;
		atomic_fetch_add_explicit(&p->played, (long long)got, memory_order_relaxed);
		hist_end(p);
	}
	atomic_fetch_add_explicit(&p->clock, (long long)frames, memory_order_relaxed);
	return paContinue;
}

/* PortAudio ends the stream by itself when the device goes away. */
static void sink_pa_finished(void *data)
{
	struct sink_pa *p = data;

	atomic_store_explicit(&p->finished, true, memory_order_release);
}

/* --- module --- */

static void set_err(char *err, size_t errlen, const char *what, PaError e)
{
	const char *text = Pa_GetErrorText(e);

	if (e == paUnanticipatedHostError) {
		const PaHostErrorInfo *hi = Pa_GetLastHostErrorInfo();

		if (hi && hi->errorText && hi->errorText[0])
			text = hi->errorText;
	}
	snprintf(err, errlen, "%s: %s", what, text);
}

static int init_locked(char *err, size_t errlen)
{
	struct quiet q;
	PaError e;

	quiet_begin(&q);
	e = Pa_Initialize();
	quiet_end(&q, "Pa_Initialize");
	if (e != paNoError) {
		set_err(err, errlen, "cannot initialise PortAudio", e);
		return -1;
	}
	pa_ready = true;
	stale = false;
	lean = false;
	return 0;
}

static void terminate_locked(void)
{
	struct quiet q;

	if (!pa_ready)
		return;
	quiet_begin(&q);
	Pa_Terminate();
	quiet_end(&q, "Pa_Terminate");
	pa_ready = false;
}

static int init_again(char *err, size_t errlen)
{
	terminate_locked();
	return init_locked(err, errlen);
}

/* Our stream's role, for the desktop's policies (duck or pause music while
 * the coach speaks): libpulse reads PULSE_PROP (ALSA's pulse plugin, and
 * pipewire-pulse, which maps "event" to Notification), PipeWire's ALSA
 * plugin PIPEWIRE_PROPS. A role the user set stays. */
static void tag_stream(void)
{
	(void)util_env_add_prop("PULSE_PROP", "media.role", "event");
	(void)util_env_add_prop("PIPEWIRE_PROPS", "media.role", "Notification");
}

int sink_pa_init(char *err, size_t errlen)
{
	int r;

	/* Probing JACK must not start a JACK server (libjack's autostart).
	 * Called at start-up, before other threads read the environment. */
	setenv("JACK_NO_START_SERVER", "1", 0);
	tag_stream();
	pthread_mutex_lock(&lock);
	r = pa_ready ? 0 : init_locked(err, errlen);
	pthread_mutex_unlock(&lock);
	return r;
}

/* What sink_pa_init_lean shows PortAudio's enumeration instead of ALSA's
 * config: one PCM of ALSA's built-in null type, which loads nothing. It is
 * named "default" because PortAudio 19.6 asserts that at least one listed
 * PCM is left for its second pass, which takes "default" and "dmix" only. */
#define LEAN_ALSA_CONFIG "pcm.default { type null }\n"

/* Stream parameters for ALSA "default" by name (lean): ALSA resolves it
 * through its real config when the stream is opened. */
static void by_name(PaStreamParameters *par, PaAlsaStreamInfo *ai, const char *pcm)
{
	PaAlsa_InitializeStreamInfo(ai);
	ai->deviceString = pcm;
	par->device = paUseHostApiSpecificDeviceSpecification;
	par->hostApiSpecificStreamInfo = ai;
}

static int warm_cb(const void *in, void *out, unsigned long frames,
		   const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *data)
{
	(void)in;
	(void)ti;
	(void)flags;
	(void)data;
	memset(out, 0, frames * sizeof(float));
	return paComplete;
}

/* Lean: open and close the default output once (never started), so ALSA's
 * config and the default PCM's plugin are loaded now and not at the first
 * trigger. A failure (no sound server yet) costs nothing. */
static void lean_warm_locked(void)
{
	PaStreamParameters par = { .channelCount = 1, .sampleFormat = paFloat32,
				   .suggestedLatency = SINK_PA_LATENCY_MS / 1000.0 };
	PaAlsaStreamInfo ai;
	PaStream *s;
	struct quiet q;

	by_name(&par, &ai, "default");
	quiet_begin(&q);
	if (Pa_OpenStream(&s, NULL, &par, BC_RATE, paFramesPerBufferUnspecified, paNoFlag,
			  warm_cb, NULL) == paNoError)
		Pa_CloseStream(s);
	quiet_end(&q, "opening the default output");
}

int sink_pa_init_lean(char *err, size_t errlen)
{
	static const char conf[] = LEAN_ALSA_CONFIG;
	const char *old = getenv("ALSA_CONFIG_PATH");
	char *saved = old ? xstrdup(old) : NULL;
	bool shown = false;
	char path[64];
	int fd, r;

	setenv("JACK_NO_START_SERVER", "1", 0);
	tag_stream();
	{
		/* The server's name now, so that the first trigger need not
		 * ask (pulse_server_known). */
		char server[64];

		(void)pulse_server_query(server, sizeof(server), SERVER_QUERY_MS);
	}
	pthread_mutex_lock(&lock);
	if (pa_ready) {
		pthread_mutex_unlock(&lock);
		free(saved);
		return 0;
	}
	/* ALSA reads the config (a file name list) when PortAudio first asks
	 * for it, in Pa_Initialize; a later snd_pcm_open sees the variable
	 * changed and reads the real config again. */
	fd = memfd_create("backcoach-alsa-lean", MFD_CLOEXEC);
	if (fd >= 0 && write(fd, conf, sizeof(conf) - 1) == (ssize_t)(sizeof(conf) - 1)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		shown = setenv("ALSA_CONFIG_PATH", path, 1) == 0;
	}
	r = init_locked(err, errlen);
	if (shown && (saved ? setenv("ALSA_CONFIG_PATH", saved, 1) : unsetenv("ALSA_CONFIG_PATH")) < 0)
		log_warn("cannot restore ALSA_CONFIG_PATH");
	if (fd >= 0)
		close(fd);
	free(saved);
	lean = r == 0 && shown && Pa_HostApiTypeIdToHostApiIndex(paALSA) >= 0;
	if (lean) {
		lean_warm_locked();
		has_pulse_pcm = alsa_has_pcm("pulse");
	} else if (r == 0 && shown) /* no ALSA host API: as sink_pa_init */
		r = init_again(err, errlen);
	if (r == 0)
		log_debug("PortAudio initialised%s", lean ? " for ALSA \"default\" only" : "");
	pthread_mutex_unlock(&lock);
	return r;
}

int sink_pa_reinit(char *err, size_t errlen)
{
	int r = -1;

	pthread_mutex_lock(&lock);
	if (open_count) {
		snprintf(err, errlen, "cannot reinitialise PortAudio with a stream open");
	} else {
		r = init_again(err, errlen);
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void sink_pa_terminate(void)
{
	pthread_mutex_lock(&lock);
	terminate_locked();
	pthread_mutex_unlock(&lock);
}

/* --- which path: the fast one by default --- */

#ifdef HAVE_ALSA
/* Does ALSA's config define pcm.NAME (libasound2-plugins' "pulse")? Under
 * lock (ALSA prints its config's errors on fd 2). */
static bool alsa_has_pcm(const char *name)
{
	snd_config_t *top = NULL, *n;
	struct quiet q;
	char key[64];
	bool ok = false;

	quiet_begin(&q);
	if (snd_config_update_ref(&top) >= 0) {
		snprintf(key, sizeof(key), "pcm.%s", name);
		ok = snd_config_search(top, key, &n) == 0;
		snd_config_unref(top);
	}
	quiet_end(&q, "reading ALSA's config");
	return ok;
}

/* The type of ALSA's "default" PCM: "pulse" (the pulse plugin), "pipewire"
 * (pipewire-alsa), "hw", "plug"...; "" when unknown. */
static void alsa_default_type(char *buf, size_t len)
{
	snd_config_t *top = NULL, *conf = NULL, *t;
	struct quiet q;
	const char *v;

	buf[0] = 0;
	quiet_begin(&q);
	if (snd_config_update_ref(&top) >= 0) {
		if (snd_config_search_definition(top, "pcm", "default", &conf) >= 0) {
			if (snd_config_search(conf, "type", &t) == 0 &&
			    snd_config_get_string(t, &v) == 0)
				snprintf(buf, len, "%s", v);
			snd_config_delete(conf);
		}
		snd_config_unref(top);
	}
	quiet_end(&q, "reading ALSA's config");
}
#else
static bool alsa_has_pcm(const char *name)
{
	(void)name;
	return false;
}

static void alsa_default_type(char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
}
#endif

/* The default output: ALSA's "pulse" device when a pulse-protocol server
 * (PulseAudio, or PipeWire's pipewire-pulse) answers and ALSA has that
 * device, else ALSA's "default". pipewire-alsa, ALSA's default wherever it is
 * installed (every Debian 12 GNOME desktop), adds ~120 ms to the first
 * sound against the pulse plugin into pipewire-pulse on the same server
 * (bench/latency.sh). answered: pulse_server_query succeeded (asked before,
 * outside the lock). Returns the ALSA PCM to open. Under lock. */
static const char *default_route(bool answered)
{
	if (has_pulse_pcm < 0)
		has_pulse_pcm = alsa_has_pcm("pulse");
	return answered && has_pulse_pcm ? "pulse" : "default";
}

/* For status: "pulse", "ALSA default (pipewire)", or the device's name.
 * Under lock. */
static void describe_path(char *buf, size_t len, const char *pcm)
{
	char type[32];

	if (strcmp(pcm, "default")) {
		snprintf(buf, len, "%s", pcm);
		return;
	}
	alsa_default_type(type, sizeof(type));
	if (type[0])
		snprintf(buf, len, "ALSA default (%s)", type);
	else
		snprintf(buf, len, "ALSA default");
}

static bool output_device(PaDeviceIndex i)
{
	const PaDeviceInfo *d = Pa_GetDeviceInfo(i);

	return d && d->maxOutputChannels > 0;
}

static void list_locked(FILE *f)
{
	PaDeviceIndex def = Pa_GetDefaultOutputDevice(), n = Pa_GetDeviceCount();
	int shown = 0;

	for (PaDeviceIndex i = 0; i < n; i++) {
		const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
		const PaHostApiInfo *h;

		if (!output_device(i))
			continue;
		h = Pa_GetHostApiInfo(d->hostApi);
		fprintf(f, "%c %s (%s, %.0f Hz)\n", i == def ? '*' : ' ', d->name,
			h ? h->name : "?", d->defaultSampleRate);
		shown++;
	}
	if (!shown)
		fputs("(no output devices: is a sound server running?)\n", f);
}

void sink_pa_list(FILE *f)
{
	char err[256], server[64], path[200];
	bool answered = pulse_server_query(server, sizeof(server), SERVER_QUERY_MS) == 0;

	pthread_mutex_lock(&lock);
	has_pulse_pcm = alsa_has_pcm("pulse");
	describe_path(path, sizeof(path), default_route(answered));
	pthread_mutex_unlock(&lock);
	if (!answered)
		fprintf(f, "default output: %s (no pulse-protocol sound server answers)\n", path);
	else
		fprintf(f, "default output: %s through %s\n", server, path);

	pthread_mutex_lock(&lock);
	/* The list as of now, not as of Pa_Initialize, unless a stream is
	 * open (PortAudio cannot reinitialise under it). */
	if (!open_count && init_again(err, sizeof(err)) < 0)
		fprintf(f, "(%s)\n", err);
	else if (!pa_ready)
		fputs("(PortAudio not initialised)\n", f);
	else
		list_locked(f);
	pthread_mutex_unlock(&lock);
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return n == 0;
}

/* The device for a config value, or paNoDevice with err filled (listing
 * the output devices). */
static PaDeviceIndex find_device(const char *want, char *err, size_t errlen)
{
	PaDeviceIndex n = Pa_GetDeviceCount(), found = paNoDevice;
	size_t used;

	if (!want || !*want) {
		found = Pa_GetDefaultOutputDevice();
		if (found != paNoDevice && output_device(found))
			return found;
		snprintf(err, errlen, "no default audio output device (is a sound server running?)");
		return paNoDevice;
	}
	for (PaDeviceIndex i = 0; i < n; i++) {
		if (!output_device(i))
			continue;
		if (!strcasecmp(Pa_GetDeviceInfo(i)->name, want))
			return i;
		if (found == paNoDevice && contains_ci(Pa_GetDeviceInfo(i)->name, want))
			found = i;
	}
	if (found != paNoDevice)
		return found;
	used = (size_t)snprintf(err, errlen, "no audio output device matches \"%s\"; devices:", want);
	for (PaDeviceIndex i = 0, k = 0; i < n && used < errlen; i++) {
		if (!output_device(i))
			continue;
		used += (size_t)snprintf(err + used, errlen - used, "%s \"%s\"", k++ ? "," : "",
					 Pa_GetDeviceInfo(i)->name);
	}
	if (used < errlen && n <= 0)
		snprintf(err + used, errlen - used, " none (is a sound server running?)");
	return paNoDevice;
}

/* --- the sink --- */

/* Is the device one of PortAudio's ALSA host API (whose callback gets the
 * times its buffers reach the DAC)? */
static bool alsa_device(PaDeviceIndex d)
{
	const PaDeviceInfo *di = d >= 0 ? Pa_GetDeviceInfo(d) : NULL;
	const PaHostApiInfo *h = di ? Pa_GetHostApiInfo(di->hostApi) : NULL;

	return h && h->type == paALSA;
}

static double to_bc(const struct sink_pa *p, long long frames)
{
	return p->rate == BC_RATE ? (double)frames : (double)frames * BC_RATE / p->rate;
}

/* Sleep up to secs, or until woken (cut, pause, resume). ctl held. */
static void doze_locked(struct sink_pa *p, double secs)
{
	struct timespec ts;
	long long ns;

	if (secs < 0.001)
		secs = 0.001;
	ns = (long long)(secs * 1e9);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ns / 1000000000);
	ts.tv_nsec += (long)(ns % 1000000000);
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->wake, &p->ctl, &ts);
}

static void doze(struct sink_pa *p, double secs)
{
	pthread_mutex_lock(&p->ctl);
	doze_locked(p, secs);
	pthread_mutex_unlock(&p->ctl);
}

static bool finished(const struct sink_pa *p)
{
	return atomic_load_explicit(&p->finished, memory_order_acquire);
}

static bool running(const struct sink_pa *p)
{
	return atomic_load_explicit(&p->running, memory_order_acquire);
}

static size_t queued(const struct sink_pa *p)
{
	return ring_write_pos(p->ring) - ring_read_pos(p->ring);
}

static int lost(struct sink_pa *p)
{
	atomic_store(&p->dead, true);
	snprintf(p->error, sizeof(p->error), "audio output \"%s\" lost", p->device);
	return -1;
}

/* Through ALSA (alsa_periods), a period (the callback's buffer, and how
 * much the pulse plugin's server asks for at a time) of the latency /
 * SINK_PA_PERIODS: PortAudio's ALSA host API then sizes the device buffer
 * to the latency and a period. Left to itself it takes a quarter of the
 * latency, and each period wakes PortAudio's thread, the pulse plugin's and
 * the server. */
static PaError open_pa(struct sink_pa *p, const PaStreamParameters *par)
{
	p->frames_per_buffer = paFramesPerBufferUnspecified;
	if (p->alsa_periods)
		p->frames_per_buffer = (unsigned long)fmax(1, lround(par->suggestedLatency * p->rate /
								     SINK_PA_PERIODS));
	return Pa_OpenStream(&p->stream, NULL, par, p->rate, p->frames_per_buffer,
			     paNoFlag, sink_pa_cb, p);
}

/* Realtime scheduling for the threads that carry our samples to the server,
 * as desktop audio threads have it (PipeWire's own clients ask rtkit) and
 * JACK clients do: with the CPU busy (stress-ng --cpu 2 on two cores) they
 * are otherwise late now and then, and the server plays a gap although our
 * queue is full. The threads: the one writing to the sink (it fills the
 * ring), PortAudio's callback thread, and the thread ALSA's pulse plugin
 * starts when the PCM is opened (libpulse's "threaded-ml", which sends the
 * samples to the server). Each stream start has a new callback thread (the
 * stream is opened afresh) and a new plugin thread, so this runs after each
 * start, from the writing thread (rtkit is a D-Bus round trip): once the
 * callback has run, or at the next write. SCHED_RESET_ON_FORK keeps the
 * speech worker processes and other new threads at normal priority. */

/* Threads of this process named name (comm), to rt_thread. */
static void raise_named(const char *name, const char *what)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
		if (!strcmp(comm, name))
			rt_thread((pid_t)atol(e->d_name), what);
	}
	closedir(d);
}

/* PortAudio's callback thread, named after the thread that started the
 * stream (the session's "bc-feed"), as "bc-audio": top -H, and the
 * per-thread figures of bench/bench_playing.sh, tell the two apart. */
static void name_callback(pid_t tid)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	if ((f = fopen(path, "we"))) {
		fputs("bc-audio", f);
		fclose(f);
	}
}

static void raise_threads(struct sink_pa *p)
{
	pid_t cb = atomic_load_explicit(&p->cb_tid, memory_order_relaxed);

	if (!p->rt_writer) {
		p->rt_writer = true;
		rt_thread(gettid(), "feeding");
	}
	if (!cb)
		return; /* no callback yet: at the next write */
	p->rt_pending = false;
	name_callback(cb);
	rt_thread(cb, "audio callback");
	raise_named("threaded-ml", "pulse client");
}

/* Start the stopped stream (writing thread), with start_at() queued: where
 * that is less than PortAudio's priming burst, the callback waits for the
 * rest (await_audio). Requests made while stopped (a fade) concern audio
 * that is gone. */
static int start(struct sink_pa *p)
{
	const char *what = "cannot start audio output";
	PaError e = paNoError;
	struct quiet q;

	pthread_mutex_lock(&p->ctl);
	if (atomic_load(&p->paused) || running(p)) {
		/* Paused meanwhile (cut): the next write after resume starts. */
		pthread_mutex_unlock(&p->ctl);
		return 0;
	}
	p->fade_seen = atomic_load(&p->fade_req);
	p->fading = false;
	p->dry_ok = true;
	p->tid_seen = false;
	p->slip_set = false;
	hist_begin(p);
	p->n_hist = 0;
	hist_end(p);
	atomic_store(&p->cb_tid, 0);
	atomic_store(&p->finished, false);
	atomic_store(&p->stopping, false);
	pthread_mutex_lock(&lock);
	quiet_begin(&q);
	/* PortAudio 19.6 hangs for good in Pa_StartStream on a stream whose
	 * sound server died since it was opened (the ALSA callback thread exits
	 * holding the start-up mutex). So a stream is not kept stopped: stop()
	 * closes it, and one opened more than a second ago is opened afresh
	 * (~2 ms), which fails cleanly if the server is gone. */
	if (p->stream && util_now() - p->opened_at > 1) {
		Pa_CloseStream(p->stream);
		p->stream = NULL;
	}
	if (!p->stream) {
		what = "cannot open audio output again";
		e = open_pa(p, &p->par);
		if (e == paNoError) {
			p->opened_at = util_now();
			Pa_SetStreamFinishedCallback(p->stream, sink_pa_finished);
		} else {
			p->stream = NULL;
		}
	}
	if (e == paNoError) {
		what = "cannot start audio output";
		e = Pa_StartStream(p->stream);
	}
	quiet_end(&q, "starting the audio stream");
	pthread_mutex_unlock(&lock);
	if (e != paNoError) {
		char why[200];

		pthread_mutex_unlock(&p->ctl);
		atomic_store(&p->dead, true);
		set_err(why, sizeof(why), what, e);
		snprintf(p->error, sizeof(p->error), "audio output \"%s\" unavailable (%s)",
			 p->device, why);
		return -1;
	}
	pthread_mutex_lock(&p->hb_lock);
	p->hb_time = util_now();
	pthread_mutex_unlock(&p->hb_lock);
	atomic_store_explicit(&p->running, true, memory_order_release);
	pthread_mutex_unlock(&p->ctl);
	p->rt_pending = true;
	raise_threads(p);
	return 0;
}

/* Of what the callback handed out (played in all, n callbacks recorded
 * in hist), what had reached the DAC at time t (util_now): played up to
 * there. A host API without times: all of it. */
static long long heard_in(const struct cb_rec *hist, unsigned long n, long long played,
			  double t, double rate)
{
	unsigned long first = n > HIST ? n - HIST : 0;

	if (!n)
		return played;
	for (unsigned long i = n; i-- > first;) {
		const struct cb_rec *h = &hist[i % HIST];
		double k;

		if (h->due <= 0)
			return played;
		if (h->due > t)
			continue;
		k = (t - h->due) * rate;
		return h->played + (k >= (double)h->got ? (long long)h->got : (long long)k);
	}
	return hist[first % HIST].played; /* none of it yet */
}

/* What has been heard at time t, from any thread: the callback's history
 * read under its sequence lock. */
static long long heard_at(const struct sink_pa *p, double t)
{
	struct sink_pa *m = (struct sink_pa *)p;
	struct cb_rec h[HIST];
	unsigned long n;
	long long played;
	unsigned q;

	for (;;) {
		q = atomic_load_explicit(&m->hist_seq, memory_order_acquire);
		if (q & 1) {
			sched_yield();
			continue;
		}
		n = m->n_hist;
		played = atomic_load_explicit(&m->played, memory_order_relaxed);
		memcpy(h, m->hist, sizeof(h));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->hist_seq, memory_order_relaxed) == q)
			break;
	}
	return heard_in(h, n, played, t, p->rate);
}

/* Does the host API give the stream's times (watch_timing saw them)? */
static bool timed_hist(const struct sink_pa *p)
{
	return atomic_load_explicit(&p->timed, memory_order_relaxed);
}

/* Silence now: abort the stream, which drops what PortAudio, ALSA and the
 * sound server hold (Pa_AbortStream: the pulse plugin corks and flushes the
 * server's stream), and drop everything queued. played then counts only
 * what was heard. Any thread; a write under way drops the rest of its
 * samples (cuts). The stream is closed: the next write that fills the
 * queue opens and starts it afresh. */
static void cut(struct sink_pa *p)
{
	pthread_mutex_lock(&p->ctl);
	if (running(p)) {
		bool died = finished(p);
		struct quiet q;
		double t = util_now();

		atomic_store(&p->stopping, true);
		post_more(p); /* a callback waiting for audio returns */
		pthread_mutex_lock(&lock);
		quiet_begin(&q);
		if (!died)
			Pa_AbortStream(p->stream);
		Pa_CloseStream(p->stream);
		p->stream = NULL;
		quiet_end(&q, "stopping the audio stream");
		pthread_mutex_unlock(&lock);
		hist_begin(p);
		if (!died)
			atomic_store(&p->played, heard_in(p->hist, p->n_hist,
							  atomic_load(&p->played), t, p->rate));
		else
			atomic_store(&p->dead, true);
		p->n_hist = 0;
		hist_end(p);
		atomic_store(&p->finished, false);
		atomic_store_explicit(&p->running, false, memory_order_release);
	}
	ring_reset(p->ring);
	p->cuts++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->ctl);
}

/* Stop and close the running stream (writing thread): no more callbacks,
 * no wakeups, no client stream on the server. What is still queued is
 * dropped. */
static int stop(struct sink_pa *p, bool abort)
{
	bool died;
	struct quiet q;

	pthread_mutex_lock(&p->ctl);
	if (!running(p)) { /* cut meanwhile */
		pthread_mutex_unlock(&p->ctl);
		return 0;
	}
	died = finished(p);
	atomic_store(&p->stopping, true);
	post_more(p); /* a callback waiting for audio returns */
	pthread_mutex_lock(&lock);
	quiet_begin(&q);
	if (!died)
		abort ? Pa_AbortStream(p->stream) : Pa_StopStream(p->stream);
	Pa_CloseStream(p->stream); /* see start() */
	p->stream = NULL;
	quiet_end(&q, "stopping the audio stream");
	pthread_mutex_unlock(&lock);
	hist_begin(p); /* played: all of it (drained), or dropped */
	p->n_hist = 0;
	hist_end(p);
	/* PortAudio calls the finished callback for our own stop too. */
	atomic_store(&p->finished, false);
	atomic_store_explicit(&p->running, false, memory_order_release);
	ring_reset(p->ring);
	pthread_mutex_unlock(&p->ctl);
	if (p->src)
		src_reset(p->src);
	return died ? lost(p) : 0;
}

/* What a stopped stream starts with: start_level, or all the queue holds. */
static size_t start_at(const struct sink_pa *p)
{
	return p->start_level < p->high_water ? p->start_level : p->high_water;
}

/* Just started with the whole start burst queued: the writer sleeps half a
 * period before it mixes on, so that the sound library's thread has a core
 * to send the first period to the server at once. A realtime writer
 * filling the rest of the queue meanwhile held the first sound back by
 * ~0.5 ms on two cores (make bench). The device holds far more than the
 * sleep; a cut, pause or fade wakes it. */
static void settle(struct sink_pa *p, unsigned gen)
{
	if (start_at(p) < p->start_level)
		return; /* the burst waits for the writer (await_audio) */
	pthread_mutex_lock(&p->ctl);
	if (p->cuts == gen && running(p) && !atomic_load(&p->paused))
		doze_locked(p, p->period_ms / 2000);
	pthread_mutex_unlock(&p->ctl);
}

/* Queue n device-rate samples, waiting while high_water is queued; a
 * stopped stream is started once start_at() is queued. Fails when the
 * stream has ended or its clock stood still for dead_after. A full queue
 * puts the writer to sleep until refill has played (sized to the queue, not
 * polled); a cut (pause, flush, fade) wakes it. Samples of a write that a
 * cut came during (cuts no longer gen), or written while paused, are
 * dropped: they belong to what was cut. */
static int push(struct sink_pa *p, const float *buf, size_t n, unsigned gen)
{
	long long c0 = -1;
	double t0 = 0;

	if (p->rt_pending && running(p))
		raise_threads(p);
	while (n) {
		size_t q = queued(p);
		size_t room = q < p->high_water ? p->high_water - q : 0;
		size_t w;

		if (!running(p) && q >= start_at(p)) {
			if (start(p) < 0)
				return -1;
			if (!running(p))
				return 0; /* paused meanwhile */
			settle(p, gen);
			continue;
		}
		if (!room) {
			long long c = atomic_load_explicit(&p->clock, memory_order_relaxed);
			size_t low = p->high_water - p->refill;

			if (finished(p))
				return lost(p);
			if (c != c0) {
				c0 = c;
				t0 = util_now();
			} else if (util_now() - t0 > p->dead_after) {
				return lost(p);
			}
			pthread_mutex_lock(&p->ctl);
			if (p->cuts == gen && running(p) && !atomic_load(&p->paused))
				doze_locked(p, (double)(q > low ? q - low : 1) / p->rate);
			pthread_mutex_unlock(&p->ctl);
			if (p->cuts != gen || atomic_load(&p->paused))
				return 0;
			continue;
		}
		pthread_mutex_lock(&p->ctl);
		if (p->cuts != gen || atomic_load(&p->paused)) {
			pthread_mutex_unlock(&p->ctl);
			return 0;
		}
		w = ring_write(p->ring, buf, n < room ? n : room);
		pthread_mutex_unlock(&p->ctl);
		post_more(p);
		/* Audio flows from here on (not before: the resampler may
		 * hold back the first samples). */
		atomic_store_explicit(&p->idle, false, memory_order_relaxed);
		buf += w;
		n -= w;
	}
	/* Started by the write that reaches the level, not the next one. */
	if (!running(p) && queued(p) >= start_at(p)) {
		if (start(p) < 0)
			return -1;
		settle(p, gen);
	}
	return 0;
}

static int sink_pa_write(struct sink *s, const float *buf, size_t frames)
{
	struct sink_pa *p = (struct sink_pa *)s;
	unsigned gen;

	if (atomic_load(&p->dead) || (running(p) && finished(p)))
		return lost(p);
	pthread_mutex_lock(&p->ctl);
	gen = p->cuts;
	pthread_mutex_unlock(&p->ctl);
	if (atomic_load(&p->paused))
		return 0; /* dropped: resume goes on from what was heard */
	if (!p->src)
		return push(p, buf, frames, gen);
	if (gen != p->src_gen) { /* cut since the last write: start afresh */
		src_reset(p->src);
		p->src_gen = gen;
	}
	while (frames) {
		SRC_DATA d = { .data_in = buf, .data_out = p->rs_buf,
			       .input_frames = (long)(frames < 1024 ? frames : 1024),
			       .output_frames = (long)p->rs_len, .src_ratio = p->ratio };
		int e = src_process(p->src, &d);

		if (e) {
			snprintf(p->error, sizeof(p->error), "resampling: %s", src_strerror(e));
			return -1;
		}
		if (push(p, p->rs_buf, (size_t)d.output_frames_gen, gen) < 0)
			return -1;
		buf += d.input_frames_used;
		frames -= (size_t)d.input_frames_used;
	}
	return 0;
}

static const char *sink_pa_error(const struct sink *s)
{
	return ((const struct sink_pa *)s)->error;
}

/* Play out everything queued (starting the stream if a short sound never
 * filled the ring), then enough silence to push the last sample through
 * PortAudio's and the server's buffers (Pa_StopStream through ALSA's pulse
 * plugin drops what is still buffered). Bounded in time. */
static int drain(struct sink_pa *p)
{
	double deadline;
	long long c0, want;

	atomic_store(&p->idle, true);
	post_more(p);
	if (!running(p)) {
		if (!queued(p) || atomic_load(&p->paused))
			return 0;
		if (start(p) < 0)
			return -1;
	}
	/* Sleeps sized to what is left to play (woken by a cut). */
	deadline = util_now() + (double)queued(p) / p->rate + 2;
	while ((queued(p) || ring_flush_pending(p->ring)) && running(p) && !finished(p) &&
	       !atomic_load(&p->paused) && util_now() < deadline)
		doze(p, (double)queued(p) / p->rate + 0.002);
	/* Until the last sample handed out has reached the DAC, by the
	 * stream's times (not a whole latency of silence), then a margin. */
	deadline = util_now() + p->latency_ms / 1000 + 1;
	while (timed_hist(p) && running(p) && !finished(p) && !atomic_load(&p->paused) &&
	       util_now() < deadline) {
		long long left = atomic_load(&p->played) - heard_at(p, util_now());

		if (left <= 0)
			break;
		doze(p, (double)left / p->rate + 0.002);
	}
	if (timed_hist(p)) {
		/* The margin, by the clock the stream's times are on: the
		 * callback's clock moves a period at a time (waiting for it
		 * kept a drain up to a period, 500 ms, longer). */
		deadline = util_now() + DRAIN_MARGIN_MS / 1000.0;
		while (running(p) && !finished(p) && !atomic_load(&p->paused) &&
		       util_now() < deadline)
			doze(p, deadline - util_now());
		return finished(p) ? lost(p) : 0;
	}
	/* Without times: a latency and the margin, as the callback counts. */
	c0 = atomic_load(&p->clock);
	want = (long long)((p->latency_ms + DRAIN_MARGIN_MS) * p->rate / 1000);
	deadline = util_now() + (p->latency_ms + DRAIN_MARGIN_MS) / 1000 + 1;
	while (atomic_load(&p->clock) - c0 < want && running(p) && !finished(p) &&
	       !atomic_load(&p->paused) && util_now() < deadline)
		doze(p, (double)(want - (atomic_load(&p->clock) - c0)) / p->rate + 0.002);
	return finished(p) ? lost(p) : 0;
}

int sink_pa_standby(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;

	if (atomic_load(&p->dead))
		return lost(p);
	if (drain(p) < 0)
		return -1;
	return running(p) ? stop(p, false) : 0;
}

static void free_sink(struct sink_pa *p)
{
	ring_free(p->ring);
	if (p->src)
		src_delete(p->src);
	free(p->rs_buf);
	pthread_mutex_destroy(&p->hb_lock);
	sem_destroy(&p->more);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->ctl);
	free(p);
}

static int sink_pa_close(struct sink *s, bool ok, char *err, size_t errlen)
{
	struct sink_pa *p = (struct sink_pa *)s;
	struct quiet q;
	int ret = 0;

	if (ok) {
		ret = drain(p);
	} else if (running(p) && !finished(p) && !atomic_load(&p->paused)) {
		/* No click: fade what is playing, then stop. */
		double until = util_now() + (double)SINK_PA_FADE_MS / 1000 + 0.03;

		sink_pa_fade_out(s);
		while (util_now() < until && !finished(p))
			doze(p, until - util_now());
	}
	if (running(p) && stop(p, !ok) < 0)
		ret = -1;
	pthread_mutex_lock(&lock);
	if (p->stream) {
		quiet_begin(&q);
		Pa_CloseStream(p->stream);
		quiet_end(&q, "closing the audio stream");
	}
	open_count--;
	has_pulse_pcm = alsa_has_pcm("pulse"); /* for the next open */
	if (atomic_load(&p->dead))
		stale = true; /* the server may be back, under a new device list */
	pthread_mutex_unlock(&lock);
	if (ok && ret < 0)
		snprintf(err, errlen, "%s", p->error);
	free_sink(p);
	return ok ? ret : 0;
}

static const struct sink_ops sink_pa_ops = {
	.name = "portaudio",
	.write = sink_pa_write,
	.close = sink_pa_close,
	.error = sink_pa_error,
	.pause = sink_pa_pause,
	.resume = sink_pa_resume,
	.paused = sink_pa_paused,
	.flush = sink_pa_flush,
	.fade = sink_pa_cut,
	.drain = sink_pa_standby,
	.played = sink_pa_played,
	.idle = sink_pa_idle,
	.alive = sink_pa_alive,
	.set_queue = sink_pa_set_queue,
	.start_frames = sink_pa_start_frames,
	.underflows = sink_pa_underflows,
	.device = sink_pa_device,
	.latency_ms = sink_pa_latency_ms,
	.describe = sink_pa_describe,
	.dropouts = sink_pa_dropouts,
	.dropouts_unseen = sink_pa_dropouts_unseen,
};

/* Open at BC_RATE; if the device refuses it, at its own rate, 48000 or
 * 44100. BACKCOACH_PA_RATE forces a rate (tests of the resampling path). */
static PaError open_stream(struct sink_pa *p, const PaStreamParameters *par)
{
	const PaDeviceInfo *d = par->device >= 0 ? Pa_GetDeviceInfo(par->device) : NULL;
	double rates[] = { BC_RATE, d ? d->defaultSampleRate : 48000, 48000, 44100 };
	const char *force = getenv("BACKCOACH_PA_RATE");
	PaError e = paInvalidSampleRate;

	if (force && atof(force) > 0)
		rates[0] = atof(force);
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]) && e == paInvalidSampleRate; i++) {
		if (i > 0 && rates[i] == rates[0])
			continue;
		p->rate = rates[i];
		e = open_pa(p, par);
	}
	return e;
}

struct sink *sink_pa_open(const char *device, int64_t latency_ms, char *err, size_t errlen)
{
	struct sink_pa *p = xcalloc(1, sizeof(*p));
	PaStreamParameters par = { 0 };
	const PaStreamInfo *info;
	struct quiet q;
	bool fresh = false, named, dflt = !device || !*device, answered = false;
	bool named_short = false; /* err says what ran out already */
	const char *pcm = "default"; /* ALSA PCM for the default output */
	PaError e;
	size_t cap;

	p->base.ops = &sink_pa_ops;
	atomic_init(&p->running, false);
	atomic_init(&p->dead, false);
	atomic_init(&p->paused, false);
	atomic_init(&p->idle, true);
	atomic_init(&p->finished, false);
	atomic_init(&p->fade_req, 0);
	atomic_init(&p->fade_pos, 0);
	atomic_init(&p->played, 0);
	atomic_init(&p->clock, 0);
	atomic_init(&p->xruns, 0);
	atomic_init(&p->underruns, 0);
	atomic_init(&p->drops, 0);
	atomic_init(&p->drop_us, 0);
	atomic_init(&p->timed, false);
	atomic_init(&p->cb_tid, 0);
	atomic_init(&p->hist_seq, 0);
	atomic_init(&p->cb_waiting, false);
	atomic_init(&p->stopping, false);
	sem_init(&p->more, 0, 0);
	pthread_mutex_init(&p->hb_lock, NULL);
	pthread_mutex_init(&p->ctl, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (latency_ms <= 0)
		latency_ms = SINK_PA_LATENCY_MS;
	/* Before the lock: the server may take a moment to answer. Its last
	 * answer stands while it listens on the same socket (the daemon asks
	 * at start): no second connection on the way to the first sound. */
	if (dflt || !strcasecmp(device, "pulse") || !strcasecmp(device, "default"))
		answered = pulse_server_known(p->server, sizeof(p->server), SERVER_QUERY_MS) == 0;

	pthread_mutex_lock(&lock);
	if (dflt)
		pcm = default_route(answered);
	/* Lean (sink_pa_init_lean): the default device is an ALSA PCM by
	 * name, which needs no device list and no reinitialisation after a
	 * server restart; another device needs the real list. */
	named = lean && dflt;
	/* PortAudio only sees the devices found at Pa_Initialize: initialise
	 * again when a stream died (the server may have restarted since), or
	 * when the device is missing (it may have come up since), or after a
	 * failed reinitialisation. */
	if (!pa_ready || (!named && !open_count && (stale || lean))) {
		fresh = true;
		if (init_again(err, errlen) < 0)
			goto fail;
		named = false;
	}
	if (named) {
		by_name(&par, &p->alsa, pcm);
	} else {
		/* The default output by its PortAudio name ("pulse"), when
		 * listed; else PortAudio's default. */
		par.device = strcmp(pcm, "default") ? find_device(pcm, err, errlen) : paNoDevice;
		if (par.device == paNoDevice || strcasecmp(Pa_GetDeviceInfo(par.device)->name, pcm)) {
			pcm = "default";
			par.device = find_device(device, err, errlen);
		}
		if (par.device == paNoDevice && !open_count && !fresh) {
			if (init_again(err, errlen) < 0)
				goto fail;
			par.device = find_device(device, err, errlen);
		}
		if (par.device == paNoDevice)
			goto fail;
	}
	par.channelCount = 1;
	par.sampleFormat = paFloat32;
	par.suggestedLatency = (double)latency_ms / 1000;

	/* Under an address space limit (ulimit -v), ALSA's pulse plugin
	 * waits forever when libpulse cannot start its thread: not opened,
	 * then, and what ran out is named (name_shortage). */
	if (!util_room_for_library(2)) {
		char why[160];

		util_resource_name(ENOMEM, why, sizeof(why));
		snprintf(err, errlen, "this process ran out of resources: %s (no room for the "
			 "sound library's memory pool and threads)", why);
		named_short = true;
		goto fail;
	}
	/* Not to PipeWire (0.3.65, pipewire-pulse): with periods of half the
	 * latency the first sound came a graph cycle (5 ms) late in 6 starts
	 * of 11, and at PortAudio's default its CPU is already within
	 * bench/bench_playing.sh's target. */
	p->alsa_periods = (named || alsa_device(par.device)) && !strstr(p->server, "PipeWire");
	quiet_begin(&q);
	e = open_stream(p, &par);
	if (e != paNoError && named && strcmp(pcm, "default")) {
		/* The pulse device would not open: ALSA's default, then. */
		pcm = "default";
		by_name(&par, &p->alsa, pcm);
		e = open_stream(p, &par);
	}
	quiet_end(&q, "Pa_OpenStream");
	if (e != paNoError) {
		p->stream = NULL;
		set_err(err, errlen, "cannot open audio output", e);
		goto fail;
	}
	snprintf(p->device, sizeof(p->device), "%s",
		 named ? pcm : Pa_GetDeviceInfo(par.device)->name);
	describe_path(p->path, sizeof(p->path), p->device);
	/* The server is named when the path leads to it. */
	if (strcmp(p->device, "pulse") && strcmp(p->path, "ALSA default (pulse)") &&
	    !(dflt && !strcmp(p->path, "ALSA default (pipewire)") && strstr(p->server, "PipeWire")))
		p->server[0] = 0;
	info = Pa_GetStreamInfo(p->stream);
	p->latency_ms = info ? info->outputLatency * 1000 : (double)latency_ms;
	/* Another host API: PortAudio's default, ALSA's too, is 4 periods. */
	p->period_ms = p->frames_per_buffer != paFramesPerBufferUnspecified
		? p->frames_per_buffer * 1000.0 / p->rate : p->latency_ms / 4;
	/* The callback runs at least once a period (at most half the
	 * latency), or waits for audio up to half a latency. */
	p->dead_after = fmax(2.0, 3 * p->latency_ms / 1000);
	p->fade_len = (size_t)(SINK_PA_FADE_MS * p->rate / 1000);
	/* The callback may come several times in a row (the server asking
	 * for a whole buffer at once, as when the stream starts): keep the
	 * device buffer's worth and a bit queued. */
	p->high_water = (size_t)((fmax(100, p->latency_ms) + 50) * p->rate / 1000);
	/* Started with what PortAudio's ALSA host API asks for in one burst
	 * when it starts: its whole buffer (the latency and a period), and a
	 * little. Another host API: the device buffer's worth (high_water).
	 * start_at() caps it at what the queue holds (sink_pa_set_queue
	 * raises that). */
	p->start_level = (size_t)((p->latency_ms + p->period_ms + START_EXTRA_MS) * p->rate / 1000);
	if (!p->alsa_periods)
		p->start_level = p->high_water;
	/* Without a longer queue (sink_pa_set_queue) the ring holds little
	 * more than the device buffer, which the server may empty in one
	 * burst: refill often. */
	p->refill = p->high_water / 8;
	for (cap = 1; cap < 2 * p->high_water; cap <<= 1)
		;
	p->ring = ring_new(cap);
	if (p->rate != BC_RATE) {
		int se;

		p->ratio = p->rate / BC_RATE;
		p->src = src_new(SRC_SINC_FASTEST, 1, &se);
		if (!p->src) {
			snprintf(err, errlen, "resampler: %s", src_strerror(se));
			goto fail_stream;
		}
		p->rs_len = (size_t)(1024 * p->ratio) + 64;
		p->rs_buf = xcalloc(p->rs_len, sizeof(float));
	}
	Pa_SetStreamFinishedCallback(p->stream, sink_pa_finished);
	p->par = par;
	p->opened_at = util_now();
	open_count++;
	pthread_mutex_unlock(&lock);
	log_debug("audio output \"%s\"%s%s: %.0f Hz, latency %.0f ms, %s %.0f ms", p->path,
		  p->server[0] ? " to " : "", p->server, p->rate, p->latency_ms,
		  p->alsa_periods ? "periods of" : "PortAudio's periods, about", p->period_ms);
	return &p->base;

fail_stream:
	quiet_begin(&q);
	Pa_CloseStream(p->stream);
	quiet_end(&q, "closing the audio stream");
fail:
	pthread_mutex_unlock(&lock);
	free_sink(p);
	if (!named_short)
		name_shortage(err, errlen);
	return NULL;
}

int64_t sink_pa_played(const struct sink *s)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	return (int64_t)llround(to_bc(p, heard_at(p, util_now())));
}

int64_t sink_pa_clock(const struct sink *s)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	return (int64_t)llround(to_bc(p, atomic_load_explicit(&p->clock, memory_order_relaxed)));
}

unsigned sink_pa_underflows(const struct sink *s)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	return atomic_load_explicit(&p->xruns, memory_order_relaxed) +
	       atomic_load_explicit(&p->underruns, memory_order_relaxed);
}

/* Pause: silence now (cut); what was heard stays counted in played, the
 * rest is dropped, and so are writes until resume: the writer goes on from
 * sink_pa_played(). */
void sink_pa_pause(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;

	atomic_store(&p->paused, true);
	cut(p);
}

void sink_pa_resume(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;

	pthread_mutex_lock(&p->ctl);
	atomic_store(&p->paused, false);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->ctl);
}

bool sink_pa_paused(const struct sink *s)
{
	return atomic_load(&((const struct sink_pa *)s)->paused);
}

void sink_pa_fade_out(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;

	atomic_store(&p->idle, true);
	/* Not started yet: nothing is audible, drop it at the start. */
	if (!running(p))
		ring_flush(p->ring);
	atomic_store_explicit(&p->fade_pos, ring_write_pos(p->ring), memory_order_relaxed);
	atomic_fetch_add_explicit(&p->fade_req, 1, memory_order_release);
	post_more(p);
}

void sink_pa_set_queue(struct sink *s, int64_t queue_ms)
{
	struct sink_pa *p = (struct sink_pa *)s;
	size_t want = (size_t)((double)queue_ms * p->rate / 1000);

	/* At least the start burst, which then starts the stream whole. */
	if (want < p->start_level)
		want = p->start_level;
	/* Only before the first write: the ring is swapped for a bigger one. */
	if (want <= p->high_water || running(p) || ring_write_pos(p->ring))
		return;
	p->high_water = want;
	p->refill = (size_t)(REFILL_MS * p->rate / 1000);
	if (p->refill > want / 2)
		p->refill = want / 2;
	if (ring_capacity(p->ring) < 2 * want) {
		ring_free(p->ring);
		p->ring = ring_new(2 * want);
	}
}

size_t sink_pa_start_frames(const struct sink *s)
{
	const struct sink_pa *p = (const struct sink_pa *)s;
	size_t want = start_at(p), q = queued(p);

	if (running(p) || atomic_load(&p->paused) || q >= want)
		return 0;
	/* In our frames (BC_RATE) when resampling, rounded up. */
	return p->src ? (size_t)((double)(want - q) / p->ratio) + 1 : want - q;
}

void sink_pa_idle(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;

	atomic_store(&p->idle, true);
	post_more(p);
	/* Less than the start level came before this pause in the audio (a
	 * short routine, a wait soon after the start): it plays now. */
	if (!running(p) && queued(p) && !atomic_load(&p->paused) && !atomic_load(&p->dead))
		(void)start(p);
}

void sink_pa_flush(struct sink *s)
{
	cut((struct sink_pa *)s);
}

void sink_pa_cut(struct sink *s)
{
	cut((struct sink_pa *)s);
}

bool sink_pa_alive(struct sink *s)
{
	struct sink_pa *p = (struct sink_pa *)s;
	long long c = atomic_load_explicit(&p->clock, memory_order_relaxed);
	double now = util_now();
	bool alive;

	if (atomic_load(&p->dead))
		return false;
	if (!running(p))
		return true; /* stopped: nothing to go by until it starts */
	if (finished(p))
		return false;
	pthread_mutex_lock(&p->hb_lock);
	if (c != p->hb_clock) {
		p->hb_clock = c;
		p->hb_time = now;
	}
	alive = now - p->hb_time < p->dead_after;
	pthread_mutex_unlock(&p->hb_lock);
	return alive;
}

const char *sink_pa_device(const struct sink *s)
{
	return ((const struct sink_pa *)s)->device;
}

double sink_pa_latency_ms(const struct sink *s)
{
	return ((const struct sink_pa *)s)->latency_ms;
}

double sink_pa_rate(const struct sink *s)
{
	return ((const struct sink_pa *)s)->rate;
}

/* Sessions open their sink through this: PortAudio stays initialised
 * between sessions (a trigger then costs no device enumeration); this
 * initialises it if it is not, and sink_pa_open initialises it again by
 * itself when the sound server went away since. */
static struct sink *opener_open(void *ctx, const char *device,
				int64_t latency_ms, char *err, size_t errlen)
{
	(void)ctx;
	if (sink_pa_init(err, errlen) < 0)
		return NULL;
	return sink_pa_open(device, latency_ms, err, errlen);
}

const struct sink_opener sink_pa_opener = { .open = opener_open };

const char *sink_pa_server(const struct sink *s)
{
	return ((const struct sink_pa *)s)->server;
}

const char *sink_pa_path(const struct sink *s)
{
	return ((const struct sink_pa *)s)->path;
}

bool sink_pa_dropouts(const struct sink *s, unsigned *count, double *ms)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	*count = atomic_load_explicit(&p->drops, memory_order_relaxed);
	*ms = (double)atomic_load_explicit(&p->drop_us, memory_order_relaxed) / 1000;
	return atomic_load_explicit(&p->timed, memory_order_relaxed);
}

void sink_pa_describe(const struct sink *s, char *buf, size_t len)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	if (p->server[0])
		snprintf(buf, len, "%s through %s, %.0f ms", p->server, p->path, p->latency_ms);
	else
		snprintf(buf, len, "%s, %.0f ms", p->path, p->latency_ms);
}

const char *sink_pa_dropouts_unseen(const struct sink *s)
{
	const struct sink_pa *p = (const struct sink_pa *)s;

	/* Measured (bench/dropouts.sh): with PipeWire's cycle at 256 samples
	 * under CPU load, the graph misses single cycles (5.3 ms of silence on
	 * the monitor) while our stream's queue stays full and its timing
	 * shows nothing; pipewire-pulse reports no underrun for them either.
	 * A server's own late writes to its device are as invisible. */
	if (strstr(p->server, "PipeWire"))
		return "cycles the PipeWire graph itself misses (silence of one cycle, e.g. 5 ms)";
	if (p->server[0])
		return "the sound server's own late writes to its device";
	return NULL;
}
