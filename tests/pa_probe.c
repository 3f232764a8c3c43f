/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_probe.c: record a PulseAudio source, trigger a process at known sample
 * positions, and measure what it plays: latency, onsets, silence, tone. */

/*
 * Method. The probe records the source (by default the test null sink's
 * monitor, bc_test.monitor) as mono float in small fragments and counts every
 * frame, so the recording is one continuous timeline: frame i is i/rate
 * seconds after recording began. When the recording reaches an event's time
 * (after a warm-up, so the stream is stable), the probe sends the signal or
 * starts the command and notes the frame count right then, plus the frames
 * already captured but not yet read (the record stream's latency, from
 * pa_simple_get_latency, at most a few ms with the small fragments asked
 * for). That sum is the event's position on the timeline; everything after it
 * is measured in frames from it, so timing is sample-accurate relative to the
 * event and free of wall-clock jitter in the analysis.
 *
 * What the latency means: signal -> first sample above the threshold
 * arriving at the sink's monitor, i.e. when the server mixed it into the sink.
 * The sink's own device buffer (the null sink's latency, at most 50 ms with
 * norewinds=1, and "Latency:" in `pactl list sinks`) comes after that and is
 * not counted; the same holds for any program measured this way, so ratios
 * between programs (the daemon against bench/pa_floor) are fair. Remaining
 * error: the fragment size (2 ms) and the record-latency estimate.
 *
 * Output: key=value lines on stdout (times in s, durations in ms, levels in
 * dBFS; -1 where a thing did not happen), for shell tests to parse:
 *   rate frames duration_s peak_dbfs record_latency_ms
 *   eventN=SIG eventN_t (position in s) eventN_onset_ms (first sound at or
 *   after the event) eventN_silent_ms (from the event until output went
 *   silent and stayed so until the next event or the end; -1: never)
 *   rec_t0 (when sample 0 was captured: CLOCK_MONOTONIC_RAW, s, the
 *   clock of PipeWire's log; recordings only)
 *   sounds=N, soundN_start_s soundN_end_s soundN_rms_dbfs soundN_peak_dbfs
 *   soundN_hz soundN_dropouts soundN_min_win_dbfs [soundN_glitches]
 *   soundN_heard_s soundN_holes [soundN_hole1_at_s soundN_hole1_ms: the
 *   first hole, from the sound's start]; heard_s (all sounds), eventN_heard_s
 *   (from the event to the next event or the end)
 *   env=T,DBFS lines with --envelope.
 * A sound is a stretch of samples above the threshold with no silence longer
 * than --gap inside. Dropouts: RMS windows inside a sound more than 6 dB
 * below the sound's median window. Glitches (with --freq F): samples where a
 * pure tone of frequency F does not continue smoothly (the residual of
 * x[n+1] - 2cos(w)x[n] + x[n-1] is far above its median): gaps, clicks and
 * phase jumps of even one sample.
 * Heard: the samples of a stretch that are sound, not holes, where a hole is
 * a run of at least HOLE_MS below the threshold (a tone's zero crossings
 * are a sample or two): how much of what was played reached the monitor,
 * whenever it did. A stream that a loaded machine delayed (a hole, then the
 * rest) is heard in full; one that lost or doubled samples is not. Holes:
 * how many such runs inside a sound (how the timing went: a figure).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pulse/error.h>
#include <pulse/simple.h>
#include <sndfile.h>

#define MAX_EVENTS 16
#define HOLE_MS 1

struct event {
	int sig;           /* 0: run the command */
	double at;         /* requested time, s */
	int64_t pos;       /* position on the timeline, frames (-1: not yet) */
	double rec_lat_ms; /* record latency added to pos */
};

struct opts {
	const char *device;
	const char *wav;
	const char *input;
	unsigned rate;
	pid_t pid;
	char **cmd;
	double duration, tail, max;
	double frag_ms;    /* the record stream's fragment */
	bool until_exit, envelope;
	double threshold_db, silence_db, gap_ms, window_ms, freq;
	struct event ev[MAX_EVENTS];
	int nev;
};

static float *rec;
static int64_t nrec, caprec;
/* When sample 0 was captured (CLOCK_MONOTONIC_RAW, s; the clock of
 * PipeWire's log), -1 until known; recordings only. */
static double rec_t0 = -1;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pa_probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void usage(FILE *f)
{
	fputs("usage: pa_probe [options] [-- command [args]]\n"
	      "  -d, --device NAME   source to record (default $PA_MONITOR or bc_test.monitor)\n"
	      "  -r, --rate HZ       recording rate (default 48000)\n"
	      "  -p, --pid PID       process to signal\n"
	      "  -s, --signal SIG@T  send SIG (USR1, USR2, HUP, INT, TERM, number) to PID\n"
	      "                      at T s into the recording; repeatable\n"
	      "  -x, --exec-at T     start the command at T s (default 0.5)\n"
	      "  -t, --duration T    record T s (default: last event + 3 s)\n"
	      "      --until-exit    stop once PID (or the command) has exited, plus --tail\n"
	      "      --tail T        seconds recorded after the exit (default 0.5)\n"
	      "      --max T         never record longer than T s (default 60)\n"
	      "      --fragment MS   the record stream's fragment (default 2: the finest\n"
	      "                      timing; PipeWire then runs its graph in cycles of\n"
	      "                      256 samples, 5.3 ms, for every stream)\n"
	      "  -T, --threshold DB  sound threshold, dBFS (default -40)\n"
	      "  -S, --silence DB    silence threshold, dBFS (default -60)\n"
	      "  -g, --gap MS        silence that separates two sounds (default 50)\n"
	      "  -w, --window MS     RMS window (default 10)\n"
	      "  -f, --freq HZ       expected tone: count glitches in it\n"
	      "      --envelope      print env=T,DBFS per window\n"
	      "  -o, --wav FILE      save the recording (float WAV)\n"
	      "  -i, --input FILE    analyse FILE instead of recording\n"
	      "  -m, --mark T        an event at T s (with --input)\n",
	      f);
}

static double num(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		die("bad %s", what);
	return v;
}

static int signal_number(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = { { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP },
		      { "INT", SIGINT }, { "TERM", SIGTERM }, { "KILL", SIGKILL },
		      { "CONT", SIGCONT }, { "STOP", SIGSTOP } };

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	return (int)num(s, "signal");
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case 0: return "EXEC";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	case SIGHUP: return "HUP";
	case SIGINT: return "INT";
	case SIGTERM: return "TERM";
	case SIGKILL: return "KILL";
	case SIGCONT: return "CONT";
	case SIGSTOP: return "STOP";
	default: return "SIG";
	}
}

static void add_event(struct opts *o, int sig, double at)
{
	if (o->nev == MAX_EVENTS)
		die("too many events (max %d)", MAX_EVENTS);
	o->ev[o->nev++] = (struct event){ .sig = sig, .at = at, .pos = -1 };
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_UNTIL = 256, O_TAIL, O_MAX, O_ENV, O_FRAG };
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "signal", required_argument, NULL, 's' },
		{ "exec-at", required_argument, NULL, 'x' },
		{ "duration", required_argument, NULL, 't' },
		{ "until-exit", no_argument, NULL, O_UNTIL },
		{ "tail", required_argument, NULL, O_TAIL },
		{ "max", required_argument, NULL, O_MAX },
		{ "fragment", required_argument, NULL, O_FRAG },
		{ "threshold", required_argument, NULL, 'T' },
		{ "silence", required_argument, NULL, 'S' },
		{ "gap", required_argument, NULL, 'g' },
		{ "window", required_argument, NULL, 'w' },
		{ "freq", required_argument, NULL, 'f' },
		{ "envelope", no_argument, NULL, O_ENV },
		{ "wav", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "mark", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double exec_at = 0.5;
	int c;

	*o = (struct opts){ .rate = 48000, .tail = 0.5, .max = 60, .frag_ms = 2, .threshold_db = -40,
			    .silence_db = -60, .gap_ms = 50, .window_ms = 10 };
	o->device = getenv("PA_MONITOR") ? getenv("PA_MONITOR") : "bc_test.monitor";
	while ((c = getopt_long(argc, argv, "d:r:p:s:x:t:T:S:g:w:f:o:i:m:h", lo, NULL)) != -1) {
		char *at;

		switch (c) {
		case 'd': o->device = optarg; break;
		case 'r': o->rate = (unsigned)num(optarg, "rate"); break;
		case 'p': o->pid = (pid_t)num(optarg, "pid"); break;
		case 's':
			at = strchr(optarg, '@');
			if (!at)
				die("--signal wants SIG@SECONDS, not %s", optarg);
			*at = '\0';
			add_event(o, signal_number(optarg), num(at + 1, "signal time"));
			break;
		case 'x': exec_at = num(optarg, "exec time"); break;
		case 't': o->duration = num(optarg, "duration"); break;
		case O_UNTIL: o->until_exit = true; break;
		case O_TAIL: o->tail = num(optarg, "tail"); break;
		case O_MAX: o->max = num(optarg, "max"); break;
		case O_FRAG: o->frag_ms = num(optarg, "fragment"); break;
		case 'T': o->threshold_db = num(optarg, "threshold"); break;
		case 'S': o->silence_db = num(optarg, "silence"); break;
		case 'g': o->gap_ms = num(optarg, "gap"); break;
		case 'w': o->window_ms = num(optarg, "window"); break;
		case 'f': o->freq = num(optarg, "frequency"); break;
		case O_ENV: o->envelope = true; break;
		case 'o': o->wav = optarg; break;
		case 'i': o->input = optarg; break;
		case 'm': add_event(o, -1, num(optarg, "mark")); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc) {
		o->cmd = argv + optind;
		add_event(o, 0, exec_at);
	}
	for (int i = 0; i < o->nev; i++)
		if (o->ev[i].sig > 0 && o->pid <= 0)
			die("--signal needs --pid");
	if (o->rate < 8000 || o->rate > 192000 || o->window_ms <= 0)
		die("bad rate or window");
	if (!(o->frag_ms >= 1 && o->frag_ms <= 1000))
		die("--fragment: 1 to 1000 ms");
	/* Events in time order. */
	for (int i = 1; i < o->nev; i++)
		for (int j = i; j > 0 && o->ev[j].at < o->ev[j - 1].at; j--) {
			struct event t = o->ev[j];
			o->ev[j] = o->ev[j - 1];
			o->ev[j - 1] = t;
		}
	if (o->duration <= 0) {
		double last = o->nev ? o->ev[o->nev - 1].at : 0;
		o->duration = o->until_exit ? o->max : last + 3;
	}
	if (o->duration > o->max)
		o->duration = o->max;
}

static void rec_append(const float *p, size_t n)
{
	if (nrec + (int64_t)n > caprec) {
		caprec = caprec ? caprec * 2 : 1 << 20;
		rec = realloc(rec, (size_t)caprec * sizeof(float));
		if (!rec)
			die("out of memory");
	}
	memcpy(rec + nrec, p, n * sizeof(float));
	nrec += (int64_t)n;
}

static bool process_gone(pid_t pid, bool child)
{
	char path[64], st[512];
	FILE *f;
	char *p;

	if (child)
		return waitpid(pid, NULL, WNOHANG) == pid;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* A zombie nobody reaped yet has exited too. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(st, sizeof(st), f);
	fclose(f);
	p = p ? strrchr(st, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

static pid_t run_command(char **cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid < 0)
		die("fork: %s", strerror(errno));
	return pid;
}

static void record(struct opts *o)
{
	pa_sample_spec ss = { .format = PA_SAMPLE_FLOAT32NE, .rate = o->rate, .channels = 1 };
	size_t frag = (size_t)(o->rate * o->frag_ms / 1000);
	pa_buffer_attr ba = { .maxlength = (uint32_t)-1, .tlength = (uint32_t)-1,
			      .prebuf = (uint32_t)-1, .minreq = (uint32_t)-1,
			      .fragsize = (uint32_t)(frag * sizeof(float)) };
	float *buf = calloc(frag, sizeof(float));
	int64_t end = (int64_t)(o->duration * o->rate), exited_at = -1;
	pid_t child = 0;
	pa_simple *s;
	int err, next = 0;

	s = pa_simple_new(NULL, "pa_probe", PA_STREAM_RECORD, o->device, "probe", &ss,
			  NULL, &ba, &err);
	if (!s) {
		fprintf(stderr, "pa_probe: cannot record %s: %s\n", o->device, pa_strerror(err));
		exit(2);
	}
	while (nrec < end) {
		if (pa_simple_read(s, buf, frag * sizeof(float), &err) < 0) {
			fprintf(stderr, "pa_probe: read: %s\n", pa_strerror(err));
			break;
		}
		rec_append(buf, frag);
		if (rec_t0 < 0) {
			/* Sample 0's time: now, less what was captured by now
			 * (read and still queued). */
			pa_usec_t lat = pa_simple_get_latency(s, &err);
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
			rec_t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9 - (double)nrec / o->rate -
				 (lat == (pa_usec_t)-1 ? 0 : (double)lat / 1e6);
		}
		while (next < o->nev && nrec >= (int64_t)(o->ev[next].at * o->rate)) {
			struct event *e = &o->ev[next++];
			pa_usec_t lat = pa_simple_get_latency(s, &err);

			if (lat == (pa_usec_t)-1)
				lat = 0;
			e->rec_lat_ms = (double)lat / 1000.0;
			if (e->sig > 0)
				kill(o->pid, e->sig);
			else if (e->sig == 0)
				child = run_command(o->cmd);
			/* Frames captured by now: read + still queued. */
			e->pos = nrec + (int64_t)((double)lat * o->rate / 1e6 + 0.5);
		}
		if (o->until_exit && exited_at < 0 && next == o->nev &&
		    ((child && process_gone(child, true)) ||
		     (!child && o->pid > 0 && process_gone(o->pid, false)))) {
			exited_at = nrec;
			end = nrec + (int64_t)(o->tail * o->rate);
		}
	}
	pa_simple_free(s);
	free(buf);
	if (child && exited_at < 0)
		waitpid(child, NULL, 0);
}

static void load(struct opts *o)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(o->input, SFM_READ, &info);
	float *frame;

	if (!f)
		die("cannot read %s", o->input);
	o->rate = (unsigned)info.samplerate;
	frame = calloc((size_t)info.channels, sizeof(float));
	while (sf_readf_float(f, frame, 1) == 1) {
		float sum = 0;

		for (int c = 0; c < info.channels; c++)
			sum += frame[c];
		sum /= (float)info.channels;
		rec_append(&sum, 1);
	}
	sf_close(f);
	free(frame);
	for (int i = 0; i < o->nev; i++)
		o->ev[i].pos = (int64_t)(o->ev[i].at * o->rate + 0.5);
}

static void save(const struct opts *o)
{
	SF_INFO info = { .samplerate = (int)o->rate, .channels = 1,
			 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(o->wav, SFM_WRITE, &info);

	if (!f || sf_writef_float(f, rec, nrec) != nrec)
		fprintf(stderr, "pa_probe: cannot write %s\n", o->wav);
	if (f)
		sf_close(f);
}

static double db(double a)
{
	return a > 1e-10 ? 20 * log10(a) : -200;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double rms(int64_t a, int64_t b)
{
	double sum = 0;

	for (int64_t i = a; i < b; i++)
		sum += (double)rec[i] * rec[i];
	return b > a ? sqrt(sum / (double)(b - a)) : 0;
}

/* Zero-crossing frequency of rec[a, b): the median interval between rising
 * crossings (interpolated), so that a hole inside a sound does not bend it. */
static double tone_hz(int64_t a, int64_t b, unsigned rate)
{
	double prev = -1, *iv, med;
	int64_t n = 0;

	if (b - a < 3)
		return -1;
	iv = malloc((size_t)(b - a) * sizeof(double));
	for (int64_t i = a + 1; i < b; i++) {
		if (rec[i - 1] < 0 && rec[i] >= 0) {
			double t = (double)(i - 1) + rec[i - 1] / (rec[i - 1] - rec[i]);

			if (prev >= 0)
				iv[n++] = t - prev;
			prev = t;
		}
	}
	if (n == 0) {
		free(iv);
		return -1;
	}
	qsort(iv, (size_t)n, sizeof(double), cmp_double);
	med = iv[n / 2];
	free(iv);
	return med > 0 ? rate / med : -1;
}

/* Samples where a tone of freq does not continue smoothly. Residual of the
 * two-term recurrence, against 8x its median (+ a floor for resampler noise);
 * neighbours of one glitch count once. */
static int64_t glitches(int64_t a, int64_t b, double freq, unsigned rate)
{
	double c = 2 * cos(2 * M_PI * freq / rate), *r, med, lim;
	int64_t n = b - a - 2, count = 0, last = -100;

	if (n < 16)
		return 0;
	r = malloc((size_t)n * sizeof(double));
	for (int64_t i = 0; i < n; i++)
		r[i] = fabs(rec[a + i + 2] - c * rec[a + i + 1] + rec[a + i]);
	{
		double *sorted = malloc((size_t)n * sizeof(double));

		memcpy(sorted, r, (size_t)n * sizeof(double));
		qsort(sorted, (size_t)n, sizeof(double), cmp_double);
		med = sorted[n / 2];
		free(sorted);
	}
	lim = 8 * med + 0.01;
	for (int64_t i = 0; i < n; i++) {
		if (r[i] > lim) {
			if (i - last > 8)
				count++;
			last = i;
		}
	}
	free(r);
	return count;
}

/* Samples of rec[a, b) that are sound: all but runs of at least hole
 * samples below thr; *holes (if not NULL) counts the runs inside (not at
 * the edges), *first (if not NULL) is where the first one starts (from a)
 * and *first_len its length (samples; both -1 with no hole). */
static int64_t heard(int64_t a, int64_t b, double thr, int64_t hole, int64_t *holes,
		     int64_t *first, int64_t *first_len)
{
	int64_t n = 0, quiet = 0, runs = 0, at = -1, len = -1;
	bool any = false;

	for (int64_t i = a; i < b; i++) {
		if (fabs(rec[i]) >= thr) {
			if (quiet >= hole && any) {
				if (!runs++) {
					at = i - quiet - a;
					len = quiet;
				}
			} else if (any)
				n += quiet; /* a zero crossing: part of the sound */
			quiet = 0;
			any = true;
			n++;
		} else {
			quiet++;
		}
	}
	if (holes)
		*holes = runs;
	if (first)
		*first = at;
	if (first_len)
		*first_len = len;
	return n;
}

static void analyse(const struct opts *o)
{
	double thr = pow(10, o->threshold_db / 20), sil = pow(10, o->silence_db / 20);
	int64_t gap = (int64_t)(o->gap_ms * o->rate / 1000);
	int64_t win = (int64_t)(o->window_ms * o->rate / 1000);
	int64_t hole = (int64_t)(HOLE_MS * o->rate / 1000), total = 0;
	double peak = 0, lat_sum = 0;
	int nsound = 0, nlat = 0;

	if (win < 1)
		win = 1;
	for (int64_t i = 0; i < nrec; i++)
		if (fabs(rec[i]) > peak)
			peak = fabs(rec[i]);
	printf("rate=%u\nframes=%lld\nduration_s=%.3f\npeak_dbfs=%.1f\n", o->rate,
	       (long long)nrec, (double)nrec / o->rate, db(peak));
	for (int i = 0; i < o->nev; i++)
		if (o->ev[i].pos >= 0 && o->ev[i].sig >= 0) {
			lat_sum += o->ev[i].rec_lat_ms;
			nlat++;
		}
	if (nlat)
		printf("record_latency_ms=%.1f\n", lat_sum / nlat);
	if (rec_t0 >= 0)
		printf("rec_t0=%.4f\n", rec_t0);

	for (int i = 0; i < o->nev; i++) {
		const struct event *e = &o->ev[i];
		int64_t stop = i + 1 < o->nev && o->ev[i + 1].pos >= 0 ? o->ev[i + 1].pos : nrec;
		int64_t onset = -1, last_loud = -1;
		int k = i + 1;

		printf("event%d=%s\n", k, e->sig < 0 ? "MARK" : signal_name(e->sig));
		if (e->pos < 0 || e->pos > nrec) {
			printf("event%d_t=-1\nevent%d_onset_ms=-1\nevent%d_silent_ms=-1\n", k, k, k);
			continue;
		}
		for (int64_t j = e->pos; j < nrec; j++)
			if (fabs(rec[j]) >= thr) {
				onset = j;
				break;
			}
		for (int64_t j = e->pos; j < stop; j++)
			if (fabs(rec[j]) >= sil)
				last_loud = j;
		printf("event%d_t=%.4f\n", k, (double)e->pos / o->rate);
		printf("event%d_onset_ms=%.1f\n", k,
		       onset < 0 ? -1.0 : (double)(onset - e->pos) * 1000 / o->rate);
		/* Silent "and stays so": at least 100 ms of silence must follow
		 * within the stretch, else it never went silent here. */
		if (stop - (last_loud + 1) < (int64_t)o->rate / 10)
			printf("event%d_silent_ms=-1\n", k);
		else
			printf("event%d_silent_ms=%.1f\n", k,
			       last_loud < 0 ? 0.0 : (double)(last_loud + 1 - e->pos) * 1000 / o->rate);
		printf("event%d_heard_s=%.4f\n", k,
		       (double)heard(e->pos, stop, thr, hole, NULL, NULL, NULL) / o->rate);
	}

	for (int64_t i = 0; i < nrec;) {
		int64_t start, end, quiet = 0, j;

		while (i < nrec && fabs(rec[i]) < thr)
			i++;
		if (i >= nrec)
			break;
		start = i;
		end = i + 1;
		for (j = i; j < nrec; j++) {
			if (fabs(rec[j]) >= thr) {
				end = j + 1;
				quiet = 0;
			} else if (++quiet > gap) {
				break;
			}
		}
		i = j;
		nsound++;
		{
			double sp = 0, min_db = 0, *w = NULL, med;
			int64_t nw = 0, drop = 0;
			int64_t a = start + win, b = end - win; /* skip edges (fades) */

			for (j = start; j < end; j++)
				if (fabs(rec[j]) > sp)
					sp = fabs(rec[j]);
			if (b - a >= win) {
				w = malloc((size_t)((b - a) / win + 1) * sizeof(double));
				for (j = a; j + win <= b; j += win)
					w[nw++] = rms(j, j + win);
			}
			printf("sound%d_start_s=%.4f\nsound%d_end_s=%.4f\n", nsound,
			       (double)start / o->rate, nsound, (double)end / o->rate);
			printf("sound%d_rms_dbfs=%.1f\nsound%d_peak_dbfs=%.1f\n", nsound,
			       db(rms(start, end)), nsound, db(sp));
			printf("sound%d_hz=%.1f\n", nsound, tone_hz(start, end, o->rate));
			if (nw) {
				double *sorted = malloc((size_t)nw * sizeof(double));

				memcpy(sorted, w, (size_t)nw * sizeof(double));
				qsort(sorted, (size_t)nw, sizeof(double), cmp_double);
				med = sorted[nw / 2];
				min_db = db(sorted[0]);
				free(sorted);
				for (j = 0; j < nw; j++)
					if (db(w[j]) < db(med) - 6)
						drop++;
			}
			free(w);
			printf("sound%d_dropouts=%lld\nsound%d_min_win_dbfs=%.1f\n", nsound,
			       (long long)drop, nsound, nw ? min_db : -200.0);
			if (o->freq > 0)
				printf("sound%d_glitches=%lld\n", nsound,
				       (long long)glitches(a, b, o->freq, o->rate));
			{
				int64_t holes, at, len, h = heard(start, end, thr, hole, &holes, &at, &len);

				total += h;
				printf("sound%d_heard_s=%.4f\nsound%d_holes=%lld\n", nsound,
				       (double)h / o->rate, nsound, (long long)holes);
				if (holes)
					printf("sound%d_hole1_at_s=%.4f\nsound%d_hole1_ms=%.1f\n",
					       nsound, (double)at / o->rate, nsound,
					       (double)len * 1000 / o->rate);
			}
		}
	}
	printf("sounds=%d\nheard_s=%.4f\n", nsound, (double)total / o->rate);
	if (o->envelope)
		for (int64_t j = 0; j + win <= nrec; j += win)
			printf("env=%.3f,%.1f\n", (double)j / o->rate, db(rms(j, j + win)));
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_args(&o, argc, argv);
	/* A command or target that dies must not take the probe with it. */
	signal(SIGPIPE, SIG_IGN);
	if (o.input)
		load(&o);
	else
		record(&o);
	if (o.wav && !o.input)
		save(&o);
	analyse(&o);
	free(rec);
	return 0;
}
