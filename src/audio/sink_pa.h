/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink_pa.h: the PortAudio sink: live output, normally ALSA "default" ->
 * PulseAudio or PipeWire, behind the interface of sink.h. PortAudio's own
 * calls (initialisation, the device list, the clock) are here. */
#ifndef BC_SINK_PA_H
#define BC_SINK_PA_H

#include "audio/sink.h"

/* Threads: write() runs on one producer thread (the daemon's worker); it
 * queues samples in a lock-free ring that PortAudio's callback copies from.
 * Pause, resume, fade-out, flush and the counters are safe from any thread.
 * close() must not race write(): call it from the writing thread, or after it
 * has stopped. PortAudio's host-API chatter on stderr (ALSA and JACK probing,
 * ~90 lines on a machine without a sound card) is kept from the terminal and
 * the journal: see sink_pa.c. */

/* Suggested output latency when the config gives none (the config's
 * default, [audio] latency). PortAudio's "low" default (~9 ms through
 * ALSA's pulse plugin) crackles under load; at 100 ms, in periods of a
 * quarter of it (PortAudio's default), PortAudio's and the pulse plugin's
 * threads woke 40 times a second each (4-8x the CPU of paplay playing the
 * same audio, bench/bench_playing.sh). Nothing waits for the latency: a
 * stream starts with its first period at once, pause, stop and skip drop
 * what the server holds, and sink_pa_played counts what has reached the
 * DAC. */
#define SINK_PA_LATENCY_MS 1000
/* Through ALSA a period, what the callback fills at a time and the server
 * asks for at a time, is the latency / SINK_PA_PERIODS, except to PipeWire
 * (sink_pa.c), where it is PortAudio's default, 4. At 1 s on PulseAudio
 * that default cost 1.6-1.8x the CPU while playing: twice the wakeups of
 * PortAudio's and the pulse plugin's threads (bench/bench_playing.sh).
 * The device buffer is the latency and a period: at most 1.5 latencies. */
#define SINK_PA_PERIODS 2

/* Pa_Initialize / Pa_Terminate. PortAudio freezes its device list at
 * initialisation; sink_pa_reinit() terminates and initialises again to see a
 * restarted sound server (no sink may be open), and sink_pa_open does it by
 * itself when an earlier stream died or no device was found. */
int sink_pa_init(char *err, size_t errlen);
int sink_pa_reinit(char *err, size_t errlen);
/* sink_pa_init for the default output only (the daemon with [audio] device
 * empty), ~15 MB lighter: ALSA shows PortAudio's enumeration a one-PCM
 * config, so none of its plugin PCMs is opened (a52, jack, upmix... pull in
 * libavcodec, librsvg, libx265 and more, resident for good). Streams for
 * device "" then open ALSA "default" by name (PaAlsaStreamInfo), resolved
 * through ALSA's real config at open time, with no reinitialisation after a
 * server restart. Another device, sink_pa_list and sink_pa_reinit initialise
 * fully. Without PortAudio's ALSA host API this is sink_pa_init. It opens
 * and closes the default output once, so the first stream opens as fast as
 * later ones. Sets ALSA_CONFIG_PATH during the call: call it while no other
 * thread exists. */
int sink_pa_init_lean(char *err, size_t errlen);
void sink_pa_terminate(void);

/* Output devices, one per line ("* " marks the default), for
 * `backcoach devices`. Re-initialises PortAudio first when no stream is
 * open, so the list is current. */
void sink_pa_list(FILE *f);

/* Open an output stream: mono float at BC_RATE (the server resamples; a
 * device refusing BC_RATE is opened at its own rate and fed through
 * libsamplerate). device: a case-insensitive substring of a PortAudio output
 * device name ("" or NULL: the default output; an exact name wins over
 * substrings). latency_ms: suggested output latency (<= 0:
 * SINK_PA_LATENCY_MS). NULL with err filled on error; no match lists the
 * devices.
 *
 * The stream starts stopped and starts with the write that fills the queue
 * to its start level: what PortAudio's ALSA host API takes in one burst
 * when it starts (the latency, a period, and 10 ms), at
 * most what the queue holds (sink_pa_start_frames says what is missing);
 * the first sample is heard within a few ms of that write, which then
 * sleeps half a period. write() blocks while max(100 ms, latency) + 50 ms
 * is queued (asleep until an eighth of it has played) (more:
 * sink_pa_set_queue). A sound shorter than the start level starts playing
 * at sink_pa_idle(), sink_pa_standby() or close(ok = true). write() fails once the device is
 * lost. close(ok = true) drains: plays out everything written;
 * close(ok = false) fades out quickly and stops. */
struct sink *sink_pa_open(const char *device, int64_t latency_ms, char *err, size_t errlen);

/* Samples of written audio heard so far, at BC_RATE: of what the callback
 * handed to the device, what has reached the DAC by the stream's times
 * (each buffer's outputBufferDacTime; a host API without times: all it was
 * handed). Flushed or faded-away samples are not counted; after a cut or
 * pause it stays at the last sample heard. Any thread. */
int64_t sink_pa_played(const struct sink *s);
/* Samples the callback produced in all (audio, silence, paused), at BC_RATE:
 * a clock that advances with the device while the stream runs (not while it
 * is stopped). */
int64_t sink_pa_clock(const struct sink *s);
/* Underflows: the device's (paOutputUnderflow) plus ring underruns (the
 * callback found too little queued while audio was flowing; not counted
 * when idle, paused, fading, or while the ring fills again after idle, a
 * pause, fade or flush, until the callback first gets all it asks for). */
unsigned sink_pa_underflows(const struct sink *s);

/* Pause: silence now, as sink_pa_cut; writes are dropped (return 0 at once)
 * until resume, and the writer then goes on from sink_pa_played(), the
 * last sample heard: nothing lost, nothing repeated. */
void sink_pa_pause(struct sink *s);
void sink_pa_resume(struct sink *s);
bool sink_pa_paused(const struct sink *s);
/* Cut (the sink's fade op: stop, skip): silence now. The stream is aborted,
 * which drops what PortAudio, ALSA and the sound server hold, and so is
 * everything queued; sink_pa_played() then counts what was heard (by the
 * stream's DAC times). Audio written after the call plays (an end tone),
 * on the stream opened afresh; the rest of a write under way when it came
 * is dropped. Any thread. */
void sink_pa_cut(struct sink *s);
/* Skip: as sink_pa_cut. */
void sink_pa_flush(struct sink *s);
/* Close's quick fade: fade what is queued now to silence over
 * SINK_PA_FADE_MS behind the device buffer and drop the rest of it; audio
 * written after the call plays normally after the fade. */
#define SINK_PA_FADE_MS SINK_FADE_MS
void sink_pa_fade_out(struct sink *s);
/* Queue up to queue_ms, and at least the start level (which is then
 * queued whole before the stream starts), and write() then blocks only
 * while queue_ms is queued. A writer that stalls for less than that (speech
 * synthesis under CPU load) causes no underflow; pause, cut and flush
 * stay immediate. Call before the first write. */
void sink_pa_set_queue(struct sink *s, int64_t queue_ms);
/* No more audio for now: running dry from here on is not an underrun.
 * The next write ends it. A stopped stream holding less than its start
 * level starts playing it (the writing thread). */
void sink_pa_idle(struct sink *s);
/* Frames (at BC_RATE) the stopped stream still wants before it starts:
 * what the start level lacks; 0 while running or paused. Any thread. */
size_t sink_pa_start_frames(const struct sink *s);
/* Writing thread: play out what is queued (as close(ok = true) does), then
 * stop the stream: no callbacks, no wakeups until the next write starts it
 * again, as fast as a fresh stream. For a sink kept open while idle. 0, or -1
 * with the sink's error set (device lost: close and open again). */
int sink_pa_standby(struct sink *s);

/* Is the stream still usable? False once PortAudio finished it by itself (in
 * 19.6 a lost sound server ends the stream with no error code), the callback
 * has not run for max(2 s, 10 x latency), or a start failed. A stopped stream
 * (not started yet, standby) counts as alive: a loss shows at the next start,
 * as a failing write. Close it then, and open again. */
bool sink_pa_alive(struct sink *s);

/* For `status`: PortAudio device name, and the actual output latency and
 * device rate from Pa_GetStreamInfo. */
const char *sink_pa_device(const struct sink *s);
double sink_pa_latency_ms(const struct sink *s);
double sink_pa_rate(const struct sink *s);

/* The opener sessions use by default: sink_pa_init (if needed), then
 * sink_pa_open. */
extern const struct sink_opener sink_pa_opener;

/* The path, chosen at open: for the default output (device "" or NULL),
 * ALSA's "pulse" device when a pulse-protocol server (PulseAudio, or
 * PipeWire's pipewire-pulse) answers and ALSA has that device, else ALSA's
 * "default"; a configured device is used as it is. sink_pa_server: that
 * server's name and version ("PipeWire 0.3.65"), "" when none answered or
 * the path does not lead to it; sink_pa_path: "pulse", "ALSA default
 * (pipewire)", or the device's name. sink_pa_describe: both and the latency,
 * "PipeWire 0.3.65 through pulse, 100 ms". The server is asked when the
 * output opens, never while idle. */
const char *sink_pa_server(const struct sink *s);
const char *sink_pa_path(const struct sink *s);
void sink_pa_describe(const struct sink *s, char *buf, size_t len);

/* Dropouts: gaps the device or server played instead of our samples,
 * measured by the stream's timing (the time each buffer reaches the DAC
 * against the samples produced, see watch_timing in sink_pa.c), whatever
 * caused them: a stalled server, or our threads late under load. Counts
 * what the underflow flags miss (through pipewire-pulse the ALSA pulse
 * plugin reports no underrun). Returns false when the path reports no
 * timing (dropouts not observable); *count and *ms then stay 0. Also the
 * sink's dropouts op (sink_describe_dropouts). */
bool sink_pa_dropouts(const struct sink *s, unsigned *count, double *ms);
/* What the stream's view cannot show (the sink's dropouts_unseen op): gaps
 * made inside the server, which never reach our stream's timing. NULL when
 * no server is named. */
const char *sink_pa_dropouts_unseen(const struct sink *s);

#endif
