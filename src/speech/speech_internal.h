/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech_internal.h: shared by speech.c, speech_voices.c, speech_worker.c and tests. */
#ifndef BC_SPEECH_INTERNAL_H
#define BC_SPEECH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "speech/speech.h"

/* Longest language voice name ("en-gb-x-gbcwmd") and variant name. eSpeak NG
 * 1.51 keeps "LANGUAGE+VARIANT" in 60 bytes and "!v/VARIANT" in 40. */
#define SPEECH_MAX_LANGUAGE 24
#define SPEECH_MAX_VARIANT 32

/* Longest utterance, in seconds of audio: a worker stops and reports an
 * error past it, and the parent refuses a longer reply. */
#define SPEECH_MAX_SECONDS 300
/* Sample rates a worker may report (eSpeak NG: 22050, mbrola: 16000). */
#define SPEECH_MIN_RATE 8000
#define SPEECH_MAX_RATE 48000

/* ---- protocol over the socketpair (host byte order, same machine) ----
 * The worker first sends a reply with len = 0 (ready, rate = eSpeak's rate)
 * or an error message. Then, for each request (header + text_len bytes of
 * UTF-8, no NUL), it sends one reply: status 0 and len int16 samples at
 * rate, or status != 0 and a len-byte message. */
#define SPEECH_REQ_MAGIC 0x42435251u /* "BCRQ" */
#define SPEECH_REP_MAGIC 0x42435250u /* "BCRP" */

struct speech_req {
	uint32_t magic;
	uint32_t text_len; /* <= SPEECH_MAX_TEXT */
	int32_t rate, pitch, range;
	char language[SPEECH_MAX_LANGUAGE + 1]; /* NUL-terminated */
	char variant[SPEECH_MAX_VARIANT + 1];   /* "" = none */
};

struct speech_rep {
	uint32_t magic;
	uint32_t status; /* 0 = samples follow, else a message follows */
	uint32_t rate;   /* sample rate of the samples */
	uint32_t len;    /* int16 samples, or message bytes */
};

/* Longest error message a worker sends. */
#define SPEECH_MAX_MSG 512

/* ---- speech_voices.c ---- */

/* eSpeak NG's system data directory ("/usr/lib/.../espeak-ng-data"), and
 * the library's version ("1.51"). */
const char *speech_voices_datadir(void);
const char *speech_voices_version(void);
/* Is name a syntactically valid variant name ([A-Za-z0-9_-]+, not starting
 * with a digit, which eSpeak NG would read as a numbered variant)? */
bool speech_variant_name_ok(const char *name);
/* Build a private eSpeak NG data directory: symlinks to every entry of the
 * system one, with voices/!v/ also holding the shipped variants (these win
 * over system variants of the same name). Returns its malloc'd path, or NULL
 * with err filled. */
char *speech_voices_mkdata(char *err, size_t errlen);
/* Is a directory made by speech_voices_mkdata still whole enough to use? */
bool speech_voices_datadir_ok(const char *dir);
/* Remove a directory made by speech_voices_mkdata (symlinks and the
 * directories we made only). */
void speech_voices_rmdata(const char *dir);

/* ---- speech_worker.c ---- */

/* Send all n bytes over a socket (MSG_NOSIGNAL, EINTR retried); 0 or -1. */
int speech_send_all(int fd, const void *p, size_t n);

/* Body of the worker child: eSpeak NG on datadir, serving requests on fd
 * until EOF. Never returns. */
void speech_worker_main(int fd, const char *datadir) __attribute__((noreturn));

/* How the worker decodes a request: the header first (false: a protocol
 * error, the worker closes the connection), then, with its text_len bytes
 * of text read, the whole request (0, or -1 with the message the worker
 * replies). speech_req_check NUL-terminates the names in rq. */
bool speech_req_header_ok(const struct speech_req *rq);
int speech_req_check(struct speech_req *rq, const char *text, char *msg, size_t msglen);

/* Trim leading and trailing near-silence from n samples, keeping margin
 * samples of it at each end. Returns the new start in *start and length. */
size_t speech_trim(const int16_t *s, size_t n, size_t margin, size_t *start);

/* ---- speech_disk.c ---- */

/* The format of the speech cache on disk, part of every entry's key: bump it
 * whenever what the worker returns for a request changes without eSpeak NG
 * changing (synthesis parameters, trimming: TRIM_MARGIN_MS, TRIM_THRESHOLD;
 * the seed: SPEECH_SEED; this file's layout). */
#define SPEECH_DISK_FORMAT 1
/* Entries not read for this long are removed by the tidy; past the size cap,
 * the least recently read go first. The built-in config's lines, every
 * routine, take 55 MiB (293 lines at 22050 Hz): the cap holds two voices'
 * worth, so that changing the rate or adding a language does not make each
 * start remove lines the next one synthesises again. */
#define SPEECH_DISK_MAX_AGE_S (30 * 24 * 3600)
#define SPEECH_DISK_MAX_BYTES (128u << 20)

/* FNV-1a, 64 bits. */
uint64_t speech_disk_hash(const char *p, size_t n);
/* $XDG_CACHE_HOME/backcoach/speech (unset, empty or relative:
 * $HOME/.cache/...), malloc'd; NULL when neither is known (no cache). */
char *speech_disk_dir(void);
/* The entry for key in dir: 0 with its samples (malloc'd), count and rate;
 * -1 if there is none or it is anything but a whole entry of this format
 * with exactly this key. An entry last touched over a day ago is touched. */
int speech_disk_read(const char *dir, const char *key, size_t keylen,
		     int16_t **pcm, size_t *n, int *rate);
/* Store an entry: written to a temporary file in dir (made 0700 if
 * missing), then renamed over the entry, so that a reader never sees part
 * of one. Failure only logs (debug): the cache is an optimisation. */
void speech_disk_write(const char *dir, const char *key, size_t keylen,
		       const int16_t *pcm, size_t n, int rate);
/* Remove entries not touched for max_age_s, anything but a regular file
 * where an entry goes, stale temporary files; then, while over max_bytes,
 * the least recently touched. */
void speech_disk_tidy(const char *dir, int64_t max_age_s, uint64_t max_bytes);

/* ---- speech.c ---- */

/* Convert a worker's int16 samples at rate to a float clip at BC_RATE
 * (resampled with libsamplerate if rate differs), times gain, clamped to
 * +-1. Returns 0, or -1 with err filled. */
int speech_to_clip(const int16_t *in, size_t n, int rate, float gain,
		   struct clip *out, char *err, size_t errlen);

/* For tests: */

/* The current worker's pid (0 if none) and its socket (-1 if none). */
pid_t speech_worker_pid(const struct speech *sp);
int speech_worker_fd(const struct speech *sp);
/* The private eSpeak NG data directory in use. */
const char *speech_datadir(const struct speech *sp);
/* Seconds the last worker start took (fork to ready). */
double speech_spawn_seconds(const struct speech *sp);
/* The cached clip for a request, if any, without touching the LRU order;
 * and the cache's size. */
const struct clip *speech_cache_peek(struct speech *sp, const struct speech_voice *v,
				     const char *text);
size_t speech_cache_bytes(const struct speech *sp);
size_t speech_cache_count(const struct speech *sp);
/* The cache on disk this synthesiser uses (NULL: none), and how many lines
 * speech_get read from it and how many it synthesised. */
const char *speech_disk_path(const struct speech *sp);
unsigned speech_disk_hits(const struct speech *sp);
unsigned speech_disk_misses(const struct speech *sp);

#endif
