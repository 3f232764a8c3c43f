/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_floor.c: the latency floor: the least a PortAudio program can do between
 * a signal and a sound, to compare the daemon with (bench/latency.sh). */

/*
 * Pa_Initialize at start; then wait for SIGUSR1 on a signalfd; then open the
 * default output device (mono float32 at BC_RATE, like the daemon) with the
 * given suggested latency, start it and play a tone from the callback, as
 * paex_sine.c does; exit after --seconds of tone. With --preopen the stream
 * is opened and started before the signal and plays silence until it: that
 * is the floor for a daemon that keeps its stream running.
 *
 * --abort: the floor of pause and resume (bench/sink_pa.sh). The tone plays
 * from the first SIGUSR1 as above; each further SIGUSR1 pauses it with
 * Pa_AbortStream (the least a PortAudio program can do to be silent now:
 * what the device and server hold is dropped) or resumes it with
 * Pa_StartStream (the tone goes on where the callback left it).
 *
 * Prints "ready" on stdout (flushed) once it waits for the signal, and at the
 * end key=value lines: latency_ms (suggested, as asked), output_latency_ms
 * (Pa_GetStreamInfo), open_ms (signal -> Pa_StartStream returned).
 * PortAudio's ALSA/JACK chatter on stderr is silenced unless --verbose.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <portaudio.h>

#include "base/audio.h"

struct tone {
	double phase, step;
	float amp;
	atomic_bool on;        /* --preopen: silence until the signal */
	unsigned long left;    /* tone frames still to play */
	atomic_bool done;
};

static int tone_cb(const void *in, void *out, unsigned long frames,
		   const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *data)
{
	struct tone *t = data;
	float *o = out;
	unsigned long i = 0;

	(void)in;
	(void)ti;
	(void)flags;
	if (atomic_load_explicit(&t->on, memory_order_acquire)) {
		for (; i < frames && t->left; i++, t->left--) {
			o[i] = t->amp * (float)sin(t->phase);
			t->phase += t->step;
			if (t->phase > 2 * M_PI)
				t->phase -= 2 * M_PI;
		}
	}
	for (; i < frames; i++)
		o[i] = 0;
	if (atomic_load_explicit(&t->on, memory_order_relaxed) && !t->left) {
		atomic_store_explicit(&t->done, true, memory_order_release);
		return paComplete;
	}
	return paContinue;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* PortAudio's host APIs print on fd 2 while probing; hide it. */
static int quiet_begin(bool verbose)
{
	int saved, null;

	if (verbose)
		return -1;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
		if (null >= 0)
			close(null);
		if (saved >= 0)
			close(saved);
		return -1;
	}
	close(null);
	return saved;
}

static void quiet_end(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void usage(FILE *f)
{
	fputs("usage: pa_floor [--latency MS] [--preopen] [--freq HZ] [--amp A]\n"
	      "                [--seconds S] [--rate HZ] [--device NAME] [--verbose]\n"
	      "Waits for SIGUSR1, then plays a tone on PortAudio's default output.\n"
	      "  --device NAME PortAudio output device of that exact name instead\n"
	      "  --latency MS  suggested output latency (default: the device's low latency)\n"
	      "  --preopen     open and start the stream before the signal\n"
	      "  --abort       further SIGUSR1s: Pa_AbortStream, Pa_StartStream, ...\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "latency", required_argument, NULL, 'l' },
		{ "preopen", no_argument, NULL, 'p' },
		{ "abort", no_argument, NULL, 'A' },
		{ "freq", required_argument, NULL, 'f' },
		{ "amp", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double latency_ms = -1, freq = 1000, seconds = 1, rate = BC_RATE, t_sig = 0, t_started = 0;
	bool preopen = false, verbose = false, abort_mode = false, running = true;
	const char *device = NULL;
	struct tone tone = { .amp = 0.5f };
	PaStreamParameters par = { 0 };
	PaStream *stream = NULL;
	const PaStreamInfo *info;
	struct signalfd_siginfo si;
	PaError err = paNoError;
	sigset_t mask;
	int c, sfd, q, ret = 1;

	while ((c = getopt_long(argc, argv, "l:pf:a:s:r:vhd:A", lo, NULL)) != -1) {
		switch (c) {
		case 'A': abort_mode = true; break;
		case 'l': latency_ms = atof(optarg); break;
		case 'p': preopen = true; break;
		case 'f': freq = atof(optarg); break;
		case 'a': tone.amp = (float)atof(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'v': verbose = true; break;
		case 'd': device = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	tone.step = 2 * M_PI * freq / rate;
	tone.left = (unsigned long)(seconds * rate);
	atomic_init(&tone.on, false);
	atomic_init(&tone.done, false);

	/* Signals first, before PortAudio starts any thread. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("pa_floor: signalfd");
		return 1;
	}

	q = quiet_begin(verbose);
	err = Pa_Initialize();
	quiet_end(q);
	if (err != paNoError)
		goto error;
	par.device = Pa_GetDefaultOutputDevice();
	for (PaDeviceIndex i = 0; device && i < Pa_GetDeviceCount(); i++)
		if (!strcmp(Pa_GetDeviceInfo(i)->name, device))
			par.device = i;
	if (par.device == paNoDevice || (device && strcmp(Pa_GetDeviceInfo(par.device)->name, device))) {
		fputs("pa_floor: no default output device\n", stderr);
		goto done;
	}
	par.channelCount = 1;
	par.sampleFormat = paFloat32;
	par.suggestedLatency = latency_ms >= 0 ? latency_ms / 1000
			       : Pa_GetDeviceInfo(par.device)->defaultLowOutputLatency;

	if (preopen) {
		q = quiet_begin(verbose);
		err = Pa_OpenStream(&stream, NULL, &par, rate, paFramesPerBufferUnspecified,
				    paNoFlag, tone_cb, &tone);
		quiet_end(q);
		if (err != paNoError || (err = Pa_StartStream(stream)) != paNoError)
			goto error;
	}
	printf("ready\n");
	fflush(stdout);

	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1) {
		fputs("pa_floor: stopped before the signal\n", stderr);
		goto done;
	}
	t_sig = now();
	if (preopen) {
		atomic_store_explicit(&tone.on, true, memory_order_release);
	} else {
		atomic_store(&tone.on, true);
		q = quiet_begin(verbose);
		err = Pa_OpenStream(&stream, NULL, &par, rate, paFramesPerBufferUnspecified,
				    paNoFlag, tone_cb, &tone);
		quiet_end(q);
		if (err != paNoError || (err = Pa_StartStream(stream)) != paNoError)
			goto error;
	}
	t_started = now();
	/* Tone, then a little extra so the end is played out. --abort: the
	 * further signals pause and resume it. */
	while (!atomic_load_explicit(&tone.done, memory_order_acquire) &&
	       now() - t_sig < seconds + 5) {
		struct pollfd pf = { .fd = sfd, .events = POLLIN };

		if (!abort_mode) {
			Pa_Sleep(10);
			continue;
		}
		if (poll(&pf, 1, 10) != 1 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGUSR1)
			break;
		err = running ? Pa_AbortStream(stream) : Pa_StartStream(stream);
		if (err != paNoError)
			goto error;
		running = !running;
	}
	Pa_Sleep(200);
	info = Pa_GetStreamInfo(stream);
	printf("latency_ms=%.1f\noutput_latency_ms=%.1f\nopen_ms=%.2f\n", par.suggestedLatency * 1000,
	       info ? info->outputLatency * 1000 : -1.0, (t_started - t_sig) * 1000);
	ret = 0;
	goto done;

error:
	fprintf(stderr, "pa_floor: %s\n", Pa_GetErrorText(err));
done:
	if (stream) {
		Pa_StopStream(stream);
		Pa_CloseStream(stream);
	}
	q = quiet_begin(verbose);
	Pa_Terminate();
	quiet_end(q);
	close(sfd);
	return ret;
}
