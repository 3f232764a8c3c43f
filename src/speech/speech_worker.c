/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech_worker.c: the speech worker child: owns eSpeak NG, synthesises
 * requests from its socket into int16 samples. Whatever eSpeak NG does to
 * this process (abort, stack overflow), the parent survives. */
#include "speech/speech_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "base/util.h"

/* Seed for libc's rand(), which eSpeak NG 1.51 uses for noise (1.51 has no
 * espeak_ng_SetRandSeed). Changing it, the trimming below or the parameters
 * synth_child sets changes the samples of every line: bump
 * SPEECH_DISK_FORMAT (speech_internal.h), so the cache on disk is not read. */
#define SPEECH_SEED 1

/* Silence kept before and after each utterance, and what counts as silence
 * (about -50 dBFS). */
#define TRIM_MARGIN_MS 20
#define TRIM_THRESHOLD 100

/* Longest one utterance may take to synthesise (its process gets SIGALRM). */
#define SYNTH_SECONDS 20

/* eSpeak NG carries state from one utterance to the next (the same text comes
 * out a few ms longer the second time), so each utterance is synthesised in a
 * process forked for it from this one, which has only initialised eSpeak NG
 * and selected the voice. That makes output depend on nothing but the request,
 * and confines a crash to that one process. Results come back through shared
 * memory, written in full before the process exits. */
struct shm {
	uint32_t done; /* set last, by a process that finished */
	uint32_t status;
	uint32_t n;
	char msg[SPEECH_MAX_MSG];
	int16_t s[]; /* up to cap samples */
};

static struct shm *shm;
static size_t shm_size;
static size_t cap; /* samples */
static bool overflow;

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	(void)ev;
	if (!wav || n <= 0)
		return 0;
	if ((size_t)n > cap - shm->n) {
		overflow = true;
		return 1; /* stop */
	}
	memcpy(shm->s + shm->n, wav, (size_t)n * sizeof(*wav));
	shm->n += (uint32_t)n;
	return 0;
}

size_t speech_trim(const int16_t *s, size_t n, size_t margin, size_t *start)
{
	size_t a = 0, b = n;

	while (a < n && abs(s[a]) < TRIM_THRESHOLD)
		a++;
	if (a == n) {
		*start = 0;
		return 0;
	}
	while (b > a && abs(s[b - 1]) < TRIM_THRESHOLD)
		b--;
	a = a > margin ? a - margin : 0;
	b = n - b > margin ? b + margin : n;
	*start = a;
	return b - a;
}

int speech_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t r = send(fd, c, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads exactly n bytes; 0 on success, -1 on EOF or error. */
static int recv_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = recv(fd, c, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int reply(int fd, uint32_t status, uint32_t rate, const void *data, size_t len)
{
	struct speech_rep rep = {
		.magic = SPEECH_REP_MAGIC, .status = status, .rate = rate,
		.len = (uint32_t)len,
	};

	if (speech_send_all(fd, &rep, sizeof(rep)) < 0)
		return -1;
	return len ? speech_send_all(fd, data, status ? len : len * sizeof(int16_t)) : 0;
}

static int reply_err(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply_err(int fd, const char *fmt, ...)
{
	char msg[SPEECH_MAX_MSG];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	return reply(fd, 1, 0, msg, (size_t)n);
}

static int reply_status(int fd, const char *what, espeak_ng_STATUS st)
{
	char msg[SPEECH_MAX_MSG];

	espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
	return reply_err(fd, "%s: %s", what, msg);
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

bool speech_req_header_ok(const struct speech_req *rq)
{
	return rq->magic == SPEECH_REQ_MAGIC && rq->text_len <= SPEECH_MAX_TEXT;
}

int speech_req_check(struct speech_req *rq, const char *text, char *msg, size_t msglen)
{
	/* The parent checks all of this too; the worker trusts nothing. */
	rq->language[sizeof(rq->language) - 1] = '\0';
	rq->variant[sizeof(rq->variant) - 1] = '\0';
	if (!name_ok(rq->language, SPEECH_MAX_LANGUAGE)) {
		snprintf(msg, msglen, "invalid language name");
		return -1;
	}
	if (rq->variant[0] && !speech_variant_name_ok(rq->variant)) {
		snprintf(msg, msglen, "invalid voice variant name");
		return -1;
	}
	if (rq->rate < 80 || rq->rate > 450 || rq->pitch < 0 || rq->pitch > 100 ||
	    rq->range < 0 || rq->range > 100) {
		snprintf(msg, msglen, "speech rate, pitch or range out of range");
		return -1;
	}
	if (memchr(text, '\0', rq->text_len) ||
	    util_utf8_valid(text, rq->text_len) != rq->text_len) {
		snprintf(msg, msglen, "text to speak is not valid UTF-8");
		return -1;
	}
	return 0;
}

/* Select LANGUAGE+VARIANT. A language that is only a "language" code of some
 * voice file ("en-gb") is found by properties first, then reloaded by its
 * file identifier with the variant. */
static espeak_ng_STATUS select_voice(const struct speech_req *rq)
{
	char name[128];
	espeak_ng_STATUS st;
	espeak_VOICE sel, *cur;

	snprintf(name, sizeof(name), "%s%s%s", rq->language,
		 rq->variant[0] ? "+" : "", rq->variant);
	st = espeak_ng_SetVoiceByName(name);
	if (st != ENS_VOICE_NOT_FOUND)
		return st;
	memset(&sel, 0, sizeof(sel));
	sel.languages = rq->language;
	st = espeak_ng_SetVoiceByProperties(&sel);
	if (st != ENS_OK || !rq->variant[0])
		return st;
	cur = espeak_GetCurrentVoice();
	if (!cur || !cur->identifier)
		return ENS_VOICE_NOT_FOUND;
	snprintf(name, sizeof(name), "%s+%s", cur->identifier, rq->variant);
	if (strlen(name) >= 60 || strchr(cur->identifier, '+'))
		return ENS_VOICE_NOT_FOUND;
	return espeak_ng_SetVoiceByName(name);
}

/* In the process forked for one utterance: synthesise it into shm. */
static void __attribute__((noreturn)) synth_child(int fd, pid_t worker,
						   const struct speech_req *rq,
						   const char *text, int rate)
{
	espeak_ng_STATUS st;
	size_t start, n;

	close(fd); /* only the worker talks to the parent */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != worker)
		_exit(1);
	alarm(SYNTH_SECONDS);
	espeak_ng_SetParameter(espeakRATE, rq->rate, 0);
	espeak_ng_SetParameter(espeakPITCH, rq->pitch, 0);
	espeak_ng_SetParameter(espeakRANGE, rq->range, 0);
	espeak_ng_SetParameter(espeakVOLUME, 100, 0);
	espeak_ng_SetParameter(espeakWORDGAP, 0, 0);
	espeak_ng_SetParameter(espeakPUNCTUATION, espeakPUNCT_NONE, 0);
	espeak_ng_SetParameter(espeakCAPITALS, 0, 0);
	srand(SPEECH_SEED);
	st = espeak_ng_Synthesize(text, rq->text_len + 1, 0, POS_CHARACTER, 0,
				  espeakCHARS_UTF8, NULL, NULL);
	if (st == ENS_OK)
		st = espeak_ng_Synchronize();
	if (overflow) {
		shm->status = 1;
		snprintf(shm->msg, sizeof(shm->msg), "speech longer than %d seconds",
			 SPEECH_MAX_SECONDS);
	} else if (st != ENS_OK) {
		char m[256];

		espeak_ng_GetStatusCodeMessage(st, m, sizeof(m));
		shm->status = 1;
		snprintf(shm->msg, sizeof(shm->msg), "speech synthesis failed: %s", m);
	} else {
		n = speech_trim(shm->s, shm->n, (size_t)rate * TRIM_MARGIN_MS / 1000, &start);
		memmove(shm->s, shm->s + start, n * sizeof(*shm->s));
		shm->n = (uint32_t)n;
		shm->status = 0;
	}
	__atomic_store_n(&shm->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* Synthesise one request in a fresh process and send the reply. */
static int synth(int fd, const struct speech_req *rq, const char *text, int rate)
{
	int status;
	pid_t pid, r, worker;

	shm->done = 0;
	shm->status = 1;
	shm->n = 0;
	shm->msg[0] = '\0';
	overflow = false;
	worker = getpid();
	pid = fork();
	if (pid < 0)
		return reply_err(fd, "speech synthesiser: fork: %s", strerror(errno));
	if (pid == 0)
		synth_child(fd, worker, rq, text, rate);
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return reply_err(fd, "speech synthesiser: waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		return reply_err(fd, "speech synthesis took longer than %d s", SYNTH_SECONDS);
	if (WIFSIGNALED(status))
		return reply_err(fd, "speech synthesiser crashed (signal %d)", WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !__atomic_load_n(&shm->done, __ATOMIC_ACQUIRE))
		return reply_err(fd, "speech synthesiser failed");
	if (shm->status != 0) {
		shm->msg[sizeof(shm->msg) - 1] = '\0';
		return reply_err(fd, "%s", shm->msg);
	}
	if (shm->n > cap)
		return reply_err(fd, "speech synthesiser failed");
	return reply(fd, 0, (uint32_t)rate, shm->s, shm->n);
}

static int serve(int fd, const char *datadir, int rate)
{
	char cur_language[sizeof(((struct speech_req *)0)->language)] = "";
	char cur_variant[sizeof(((struct speech_req *)0)->variant)] = "";
	static char text[SPEECH_MAX_TEXT + 1];
	char msg[SPEECH_MAX_MSG];
	struct speech_req rq;

	while (recv_all(fd, &rq, sizeof(rq)) == 0) {
		espeak_ng_STATUS st;
		int r;

		if (!speech_req_header_ok(&rq) || recv_all(fd, text, rq.text_len) < 0)
			break; /* protocol error: the parent sees EOF */
		text[rq.text_len] = '\0';
		if (speech_req_check(&rq, text, msg, sizeof(msg)) < 0) {
			r = reply_err(fd, "%s", msg);
			goto next;
		}
		if (rq.variant[0]) {
			char path[256];
			struct stat sb;

			snprintf(path, sizeof(path), "%s/voices/!v/%s", datadir, rq.variant);
			if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
				r = reply_err(fd, "unknown voice variant \"%s\"", rq.variant);
				goto next;
			}
		}
		/* The voice is selected here, so that forked processes inherit
		 * it; nothing is ever synthesised in this process. */
		if (strcmp(rq.language, cur_language) || strcmp(rq.variant, cur_variant)) {
			cur_language[0] = '\0';
			if ((st = select_voice(&rq)) != ENS_OK) {
				r = reply_status(fd, rq.language, st);
				goto next;
			}
			memcpy(cur_language, rq.language, sizeof(cur_language));
			memcpy(cur_variant, rq.variant, sizeof(cur_variant));
		}
		r = synth(fd, &rq, text, rate);
next:
		if (r < 0)
			break;
		if (shm->n > (uint32_t)rate * 60) /* give back a long one's memory */
			madvise(shm, shm_size, MADV_REMOVE);
	}
	return 0;
}

void speech_worker_main(int fd, const char *datadir)
{
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st;
	char msg[SPEECH_MAX_MSG];
	int rate;

	espeak_ng_InitializePath(datadir);
	st = espeak_ng_Initialize(&ctx);
	if (st != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		espeak_ng_ClearErrorContext(&ctx);
		reply_err(fd, "cannot initialise eSpeak NG: %s", msg);
		_exit(1);
	}
	/* eSpeak NG 1.51 opens an audio device even for synchronous output,
	 * which we never play: a connection to the sound server (pcaudiolib,
	 * libpulse, its 64 MiB memory pool), from every worker. Point it at
	 * none, so that it fails at once and quietly: under a memory limit
	 * (ulimit -v) libpulse would wait forever for a thread it could not
	 * start, and the worker never say it was ready. */
	setenv("PULSE_SERVER", "unix:/nonexistent/backcoach-speech-plays-no-sound", 1);
	st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
	if (st != ENS_OK) {
		reply_status(fd, "cannot initialise eSpeak NG output", st);
		_exit(1);
	}
	espeak_SetSynthCallback(synth_cb);
	rate = espeak_ng_GetSampleRate();
	if (rate < SPEECH_MIN_RATE || rate > SPEECH_MAX_RATE) {
		reply_err(fd, "eSpeak NG reports an unusable sample rate (%d Hz)", rate);
		_exit(1);
	}
	cap = (size_t)SPEECH_MAX_SECONDS * (size_t)rate;
	shm_size = sizeof(*shm) + cap * sizeof(int16_t);
	shm = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		reply_err(fd, "speech synthesiser: mmap: %s", strerror(errno));
		_exit(1);
	}
	espeak_ListVoices(NULL); /* once here, not in every forked process */
	if (reply(fd, 0, (uint32_t)rate, NULL, 0) == 0)
		serve(fd, datadir, rate);
	_exit(0); /* no espeak_ng_Terminate: exiting frees it all, sooner */
}
