/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech.c: text-to-speech for the coach: checks requests, runs eSpeak NG in
 * a worker child process (speech_worker.c) and caches the clips, in memory
 * and on disk (speech_disk.c). */
#include "speech/speech_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <samplerate.h>

#include "base/log.h"
#include "base/util.h"

/* How long a worker may take to start, and to answer one request (eSpeak NG
 * renders a SPEECH_MAX_TEXT text in well under a second). */
#define SPAWN_TIMEOUT_MS 10000
#define SYNTH_TIMEOUT_MS 30000
/* How long speech_close waits for a worker to exit after EOF. */
#define CLOSE_TIMEOUT_MS 1000

struct cache_entry {
	struct cache_entry *hnext;       /* hash chain */
	struct cache_entry *prev, *next; /* LRU list, most recent first */
	uint64_t hash;
	size_t bytes;
	struct clip clip;
	size_t keylen;
	char key[]; /* see cache_key() */
};

struct speech {
	pid_t pid;      /* worker, 0 if none */
	int fd;         /* our end of its socket, -1 if none */
	int rate;       /* worker's sample rate */
	char *datadir;  /* private eSpeak NG data directory */
	unsigned datadir_gen; /* how often it was made again */
	double spawn_s; /* last start: fork to ready */

	struct cache_entry **buckets;
	size_t n_buckets, n_entries;
	struct cache_entry *head, *tail;
	struct cache_entry *last; /* returned by the latest speech_get */
	size_t bytes, budget;

	/* On disk: */
	char *disk_dir;       /* NULL: no cache */
	char *disk_env;       /* the key's part that is the same for all */
	char var_name[SPEECH_MAX_VARIANT + 1]; /* variant last read ("": none) */
	char *var_text;       /* its file in datadir (NULL: unreadable) */
	size_t var_len;
	unsigned disk_hits, disk_misses;
};

/* ---- worker process ------------------------------------------------------ */

static int ms_left(double deadline)
{
	double left = deadline - util_now();

	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Reads exactly n bytes before the deadline. Returns 0, or -1 with errno
 * (0 for EOF, ETIMEDOUT). */
static int recv_deadline(int fd, void *p, size_t n, double deadline)
{
	char *c = p;

	while (n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, ms_left(deadline));
		ssize_t got;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		got = recv(fd, c, n, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			if (got == 0 || errno == ECONNRESET)
				errno = 0;
			return -1;
		}
		c += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Wait for the worker, kill it first if kill_it. Describes how it ended in
 * err (if err). Leaves no worker behind. */
static void worker_reap(struct speech *sp, bool kill_it, char *err, size_t errlen)
{
	int status = 0;
	pid_t r;

	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	if (sp->pid <= 0)
		return;
	if (kill_it)
		kill(sp->pid, SIGKILL);
	do
		r = waitpid(sp->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (err) {
		if (r == sp->pid && WIFSIGNALED(status))
			snprintf(err, errlen, "speech synthesiser crashed (signal %d)",
				 WTERMSIG(status));
		else if (r == sp->pid && WIFEXITED(status))
			snprintf(err, errlen, "speech synthesiser exited (status %d)",
				 WEXITSTATUS(status));
		else
			snprintf(err, errlen, "speech synthesiser crashed");
	}
	sp->pid = 0;
}

/* In the child, before it runs: say why it cannot (to the parent's stderr,
 * as our logger would), naming a limit it ran into. */
static void __attribute__((noreturn)) child_fail(const char *what, int e)
{
	char why[160];

	if (e == EINVAL) /* F_DUPFD past RLIMIT_NOFILE */
		e = EMFILE;
	if (!util_resource_name(e, why, sizeof(why)))
		snprintf(why, sizeof(why), "%s", strerror(e));
	dprintf(STDERR_FILENO, "backcoach: speech synthesiser: %s: this process ran out of "
		"resources: %s\n", what, why);
	_exit(1);
}

/* In the child: a clean process for eSpeak NG. Empty signal mask, default
 * dispositions, dies with its parent, no core dumps, stdin/stdout on
 * /dev/null, no fds but stderr and the socket (as fd 3). */
static void __attribute__((noreturn)) worker_child(const int sv[2], pid_t parent,
						    const char *datadir)
{
	struct sigaction sa;
	sigset_t none;
	int null, sock;

	sigemptyset(&none);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails harmlessly for KILL, STOP */
	/* The worker writes no file, but eSpeak NG's audio setup makes shared
	 * memory (PulseAudio's pool, an ftruncate in /dev/shm): under a file
	 * size limit (ulimit -f) that must fail with EFBIG, not kill it. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, NULL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* crashes are expected */

	sock = fcntl(sv[1], F_DUPFD, 10); /* out of the way of 0..3 */
	if (sock < 0)
		child_fail("its socket", errno);
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		child_fail("/dev/null", errno);
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
		_exit(1);
	/* eSpeak NG writes diagnostics to stderr: keep the parent's, unless
	 * it had none and the socket took its number. */
	if (sv[0] == STDERR_FILENO || sv[1] == STDERR_FILENO ||
	    fcntl(STDERR_FILENO, F_GETFD) < 0)
		dup2(null, STDERR_FILENO);
	if (dup2(sock, 3) != 3)
		_exit(1);
	if (close_range(4, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 4; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	speech_worker_main(3, datadir);
}

/* Start a worker and wait until eSpeak NG is ready in it. */
static int worker_spawn(struct speech *sp, char *err, size_t errlen)
{
	double t0 = util_now();
	struct speech_rep rep;
	pid_t parent = getpid();
	int sv[2];

	/* Rebuild the data directory if something cleaned it up under us. */
	if (!speech_voices_datadir_ok(sp->datadir)) {
		char *dir = speech_voices_mkdata(err, errlen);

		if (!dir)
			return -1;
		speech_voices_rmdata(sp->datadir);
		free(sp->datadir);
		sp->datadir = dir;
		/* Its variants are copied afresh: read them again for keys. */
		free(sp->var_text);
		sp->var_text = NULL;
		sp->datadir_gen++;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "speech synthesiser: socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered is written twice */
	sp->pid = fork();
	if (sp->pid < 0) {
		snprintf(err, errlen, "speech synthesiser: fork: %s", strerror(errno));
		sp->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (sp->pid == 0)
		worker_child(sv, parent, sp->datadir);
	close(sv[1]);
	sp->fd = sv[0];

	if (recv_deadline(sp->fd, &rep, sizeof(rep), t0 + SPAWN_TIMEOUT_MS / 1000.0) < 0 ||
	    rep.magic != SPEECH_REP_MAGIC) {
		bool timeout = errno == ETIMEDOUT;

		worker_reap(sp, timeout, err, errlen);
		if (timeout)
			snprintf(err, errlen, "speech synthesiser did not start");
		return -1;
	}
	if (rep.status != 0) {
		char msg[SPEECH_MAX_MSG + 1] = "";
		size_t n = rep.len < SPEECH_MAX_MSG ? rep.len : SPEECH_MAX_MSG;

		if (recv_deadline(sp->fd, msg, n, t0 + 1) == 0)
			msg[n] = '\0';
		worker_reap(sp, true, NULL, 0);
		snprintf(err, errlen, "%s", msg[0] ? msg : "speech synthesiser failed to start");
		return -1;
	}
	if (rep.rate < SPEECH_MIN_RATE || rep.rate > SPEECH_MAX_RATE) {
		worker_reap(sp, true, NULL, 0);
		snprintf(err, errlen, "speech synthesiser: bad sample rate %u", rep.rate);
		return -1;
	}
	sp->rate = (int)rep.rate;
	sp->spawn_s = util_now() - t0;
	log_debug("speech: worker %ld ready in %.1f ms", (long)sp->pid, sp->spawn_s * 1e3);
	return 0;
}

/* A worker that died while idle (killed, or its parent thread exited) is
 * replaced without blaming the next text. */
static int worker_ensure(struct speech *sp, char *err, size_t errlen)
{
	if (sp->pid > 0) {
		int status;

		if (waitpid(sp->pid, &status, WNOHANG) == 0)
			return 0;
		log_debug("speech: worker %ld went away, restarting", (long)sp->pid);
		sp->pid = 0;
		close(sp->fd);
		sp->fd = -1;
	}
	return worker_spawn(sp, err, errlen);
}

/* Copy a worker's message, printable ASCII only. */
static void copy_msg(char *err, size_t errlen, const char *msg, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < errlen; i++)
		err[j++] = (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '?';
	if (errlen)
		err[j] = '\0';
}

int speech_to_clip(const int16_t *in, size_t n, int rate, float gain,
		   struct clip *out, char *err, size_t errlen)
{
	float *f = xmalloc((n ? n : 1) * sizeof(*f));

	for (size_t i = 0; i < n; i++)
		f[i] = (float)in[i] / 32768.0f;
	if (rate != BC_RATE && n) {
		double ratio = (double)BC_RATE / rate;
		size_t cap = (size_t)(n * ratio) + 16;
		float *r = xmalloc(cap * sizeof(*r));
		SRC_DATA d = {
			.data_in = f, .data_out = r,
			.input_frames = (long)n, .output_frames = (long)cap,
			.src_ratio = ratio,
		};
		int e = src_simple(&d, SRC_SINC_FASTEST, 1);

		free(f);
		if (e) {
			free(r);
			snprintf(err, errlen, "resampling speech: %s", src_strerror(e));
			return -1;
		}
		f = r;
		n = (size_t)d.output_frames_gen;
	}
	for (size_t i = 0; i < n; i++) {
		float s = f[i] * gain;
		f[i] = s > 1.0f ? 1.0f : s < -1.0f ? -1.0f : s;
	}
	out->s = f;
	out->n = n;
	return 0;
}

enum { REQ_OK = 0, REQ_ERROR = -1, REQ_DIED = -2, REQ_UNSENT = -3 };

/* One request to a running worker: REQ_OK, or REQ_ERROR (err filled, worker
 * still fine), REQ_DIED (it died or hung on this request: reaped, err
 * filled) or REQ_UNSENT (it was gone before taking the request: reaped). */
static int worker_request(struct speech *sp, const struct speech_req *rq,
			  const char *text, int16_t **out, size_t *n, int *rate,
			  char *err, size_t errlen)
{
	double deadline = util_now() + SYNTH_TIMEOUT_MS / 1000.0;
	struct speech_rep rep;
	int16_t *pcm;

	if (speech_send_all(sp->fd, rq, sizeof(*rq)) < 0 ||
	    speech_send_all(sp->fd, text, rq->text_len) < 0) {
		worker_reap(sp, true, NULL, 0);
		return REQ_UNSENT;
	}
	if (recv_deadline(sp->fd, &rep, sizeof(rep), deadline) < 0)
		goto gone;
	if (rep.magic != SPEECH_REP_MAGIC)
		goto bad;
	if (rep.status != 0) {
		char msg[SPEECH_MAX_MSG];

		if (rep.len > SPEECH_MAX_MSG ||
		    recv_deadline(sp->fd, msg, rep.len, deadline) < 0)
			goto bad;
		copy_msg(err, errlen, msg, rep.len);
		return REQ_ERROR;
	}
	if (rep.rate < SPEECH_MIN_RATE || rep.rate > SPEECH_MAX_RATE ||
	    rep.len > (uint64_t)SPEECH_MAX_SECONDS * rep.rate)
		goto bad;
	pcm = xmalloc((rep.len ? rep.len : 1) * sizeof(*pcm));
	if (recv_deadline(sp->fd, pcm, rep.len * sizeof(*pcm), deadline) < 0) {
		free(pcm);
		goto gone;
	}
	*out = pcm;
	*n = rep.len;
	*rate = (int)rep.rate;
	return REQ_OK;

gone:
	if (errno == ETIMEDOUT) {
		worker_reap(sp, true, NULL, 0);
		snprintf(err, errlen, "speech synthesiser timed out after %d s",
			 SYNTH_TIMEOUT_MS / 1000);
	} else {
		worker_reap(sp, false, err, errlen);
	}
	return REQ_DIED;
bad:
	worker_reap(sp, true, NULL, 0);
	snprintf(err, errlen, "speech synthesiser: protocol error");
	return REQ_DIED;
}

/* ---- requests ------------------------------------------------------------ */

static bool has_ascii_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

static int check_request(const struct speech_voice *v, const char *text,
			 char *err, size_t errlen)
{
	size_t len;

	if (!v || !v->language) {
		snprintf(err, errlen, "no speech language given");
		return -1;
	}
	if (!speech_language_exists(v->language)) {
		snprintf(err, errlen, "unknown speech language \"%.40s\" (see backcoach voices)",
			 v->language);
		return -1;
	}
	if (v->variant && *v->variant && !speech_variant_exists(v->variant)) {
		if (speech_variant_name_ok(v->variant))
			snprintf(err, errlen, "unknown voice variant \"%s\" (see backcoach voices)",
				 v->variant);
		else
			snprintf(err, errlen, "invalid voice variant name: use letters, digits, "
				 "- and _ only, starting with a letter");
		return -1;
	}
	if (v->rate < 80 || v->rate > 450 || v->pitch < 0 || v->pitch > 100 ||
	    v->range < 0 || v->range > 100 || v->volume < 0 || v->volume > 200) {
		snprintf(err, errlen, "speech rate, pitch, range or volume out of range");
		return -1;
	}
	if (!text) {
		snprintf(err, errlen, "no text to speak");
		return -1;
	}
	len = strlen(text);
	if (len > SPEECH_MAX_TEXT) {
		snprintf(err, errlen, "text to speak is too long (%zu bytes, at most %d)",
			 len, SPEECH_MAX_TEXT);
		return -1;
	}
	if (has_ascii_control(text)) {
		snprintf(err, errlen, "text to speak contains control characters");
		return -1;
	}
	if (!util_text_ok(text)) {
		snprintf(err, errlen, "text to speak is not valid UTF-8 "
			 "(or contains control characters)");
		return -1;
	}
	return 0;
}

/* The worker's samples for a checked request: 0, or -1 with err filled. */
static int synth_pcm(struct speech *sp, const struct speech_voice *v, const char *text,
		     int16_t **pcm, size_t *n, int *rate, char *err, size_t errlen)
{
	struct speech_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.magic = SPEECH_REQ_MAGIC;
	rq.text_len = (uint32_t)strlen(text);
	rq.rate = v->rate;
	rq.pitch = v->pitch;
	rq.range = v->range;
	snprintf(rq.language, sizeof(rq.language), "%s", v->language);
	snprintf(rq.variant, sizeof(rq.variant), "%s", v->variant ? v->variant : "");

	/* A worker that was gone before it took the request is not this
	 * text's fault: start another and try once more. */
	for (int attempt = 0; attempt < 2; attempt++) {
		int r;

		if (worker_ensure(sp, err, errlen) < 0)
			return -1;
		r = worker_request(sp, &rq, text, pcm, n, rate, err, errlen);
		if (r == REQ_OK)
			return 0;
		if (r == REQ_ERROR)
			return -1;
		if (r == REQ_DIED)
			return -1;
	}
	snprintf(err, errlen, "speech synthesiser keeps exiting");
	return -1;
}

int speech_synth(struct speech *sp, const struct speech_voice *v,
		 const char *text, struct clip *out, char *err, size_t errlen)
{
	int16_t *pcm;
	size_t n;
	int rate, r;

	out->s = NULL;
	out->n = 0;
	if (check_request(v, text, err, errlen) < 0 ||
	    synth_pcm(sp, v, text, &pcm, &n, &rate, err, errlen) < 0)
		return -1;
	r = speech_to_clip(pcm, n, rate, (float)v->volume / 100.0f, out, err, errlen);
	free(pcm);
	return r;
}

/* ---- cache on disk ------------------------------------------------------- */

/* What every entry's samples depend on besides the request: our format, the
 * library, and its data (dpkg replaces files by renaming, which changes
 * the directory's mtime). */
static void disk_open(struct speech *sp)
{
	const char *data = speech_voices_datadir();
	struct stat st;

	sp->disk_dir = speech_disk_dir();
	if (!sp->disk_dir)
		return;
	if (stat(data, &st) < 0)
		memset(&st, 0, sizeof(st));
	sp->disk_env = xasprintf("backcoach speech %d\neSpeak NG %s\n%s %lld.%09ld\n",
				 SPEECH_DISK_FORMAT, speech_voices_version(), data,
				 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

/* The variant's file as the worker reads it (its copy in our data
 * directory). false if it cannot be read: then the cache is not used. */
static bool disk_variant(struct speech *sp, const char *name)
{
	char *path, err[128];
	struct stat st;
	int fd;

	if (sp->var_text && strcmp(sp->var_name, name) == 0)
		return true;
	free(sp->var_text);
	sp->var_text = NULL;
	snprintf(sp->var_name, sizeof(sp->var_name), "%s", name);
	if (!*name) {
		sp->var_text = xstrdup("");
		sp->var_len = 0;
		return true;
	}
	path = xasprintf("%s/voices/!v/%s", sp->datadir, name);
	fd = util_open_regular(path, err, sizeof(err));
	free(path);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && st.st_size <= 65536) {
		char *t = xmalloc((size_t)st.st_size + 1);
		ssize_t r = read(fd, t, (size_t)st.st_size + 1);

		if (r == st.st_size) {
			sp->var_text = t;
			sp->var_len = (size_t)r;
		} else {
			free(t);
		}
	}
	close(fd);
	return sp->var_text != NULL;
}

/* The whole key of a checked request: all the worker's samples depend on
 * (not the volume: a gain applied after). NULL: no cache for it. The text
 * comes last and the variant's file is counted, so keys are unambiguous. */
static char *disk_key(struct speech *sp, const struct speech_voice *v, const char *text,
		      size_t *len)
{
	const char *var = v->variant ? v->variant : "";
	char *k;

	if (!sp->disk_env || !disk_variant(sp, var))
		return NULL;
	k = xasprintf("%s%s\n%s\n%zu\n%.*s\n%d %d %d\n%s", sp->disk_env, v->language,
		      var, sp->var_len, (int)sp->var_len, sp->var_text, v->rate, v->pitch,
		      v->range, text);
	*len = strlen(k);
	return k;
}

void speech_cache_tidy(const struct speech *sp)
{
	if (sp && sp->disk_dir)
		speech_disk_tidy(sp->disk_dir, SPEECH_DISK_MAX_AGE_S, SPEECH_DISK_MAX_BYTES);
}

/* ---- open / close -------------------------------------------------------- */

struct speech *speech_open(char *err, size_t errlen)
{
	struct speech *sp = xcalloc(1, sizeof(*sp));

	sp->fd = -1;
	sp->datadir = speech_voices_mkdata(err, errlen);
	if (!sp->datadir || worker_spawn(sp, err, errlen) < 0) {
		speech_close(sp);
		return NULL;
	}
	disk_open(sp);
	return sp;
}

void speech_close(struct speech *sp)
{
	if (!sp)
		return;
	speech_cache_clear(sp);
	free(sp->buckets);
	if (sp->disk_hits || sp->disk_misses)
		log_debug("speech: %u lines read from the cache on disk, %u synthesised (%s)",
			  sp->disk_hits, sp->disk_misses, sp->disk_dir ? sp->disk_dir : "no cache");
	free(sp->disk_dir);
	free(sp->disk_env);
	free(sp->var_text);
	if (sp->pid > 0) {
		/* EOF makes the worker exit; kill it if it does not. */
		double deadline = util_now() + CLOSE_TIMEOUT_MS / 1000.0;
		int status;
		pid_t r;

		close(sp->fd);
		sp->fd = -1;
		while ((r = waitpid(sp->pid, &status, WNOHANG)) == 0 &&
		       util_now() < deadline) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		if (r == 0)
			worker_reap(sp, true, NULL, 0);
	}
	if (sp->fd >= 0)
		close(sp->fd);
	speech_voices_rmdata(sp->datadir);
	free(sp->datadir);
	free(sp);
}

pid_t speech_worker_pid(const struct speech *sp)
{
	return sp->pid;
}

int speech_worker_fd(const struct speech *sp)
{
	return sp->fd;
}

const char *speech_datadir(const struct speech *sp)
{
	return sp->datadir;
}

double speech_spawn_seconds(const struct speech *sp)
{
	return sp->spawn_s;
}

const char *speech_disk_path(const struct speech *sp)
{
	return sp->disk_dir;
}

unsigned speech_disk_hits(const struct speech *sp)
{
	return sp->disk_hits;
}

unsigned speech_disk_misses(const struct speech *sp)
{
	return sp->disk_misses;
}

/* ---- cache --------------------------------------------------------------- */

/* The key: "rate,pitch,range,volume|language|variant|text". Names cannot
 * hold '|' and the text comes last, so keys are unambiguous. */
static char *cache_key(const struct speech_voice *v, const char *text, size_t *len)
{
	char *k = xasprintf("%d,%d,%d,%d|%s|%s|%s", v->rate, v->pitch, v->range,
			    v->volume, v->language ? v->language : "",
			    v->variant ? v->variant : "", text ? text : "");
	*len = strlen(k);
	return k;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	return speech_disk_hash(p, n);
}

static void lru_unlink(struct speech *sp, struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		sp->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		sp->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct speech *sp, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = sp->head;
	if (sp->head)
		sp->head->prev = e;
	sp->head = e;
	if (!sp->tail)
		sp->tail = e;
}

static void cache_remove(struct speech *sp, struct cache_entry *e)
{
	struct cache_entry **pp = &sp->buckets[e->hash & (sp->n_buckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(sp, e);
	sp->bytes -= e->bytes;
	sp->n_entries--;
	if (sp->last == e)
		sp->last = NULL;
	free(e->clip.s);
	free(e);
}

static void cache_grow(struct speech *sp)
{
	size_t n = sp->n_buckets ? sp->n_buckets * 2 : 64;
	struct cache_entry **b = xcalloc(n, sizeof(*b));

	for (size_t i = 0; i < sp->n_buckets; i++) {
		struct cache_entry *e = sp->buckets[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(sp->buckets);
	sp->buckets = b;
	sp->n_buckets = n;
}

/* Evict least recently used entries until within budget, never keep1 or
 * keep2. */
static void cache_evict(struct speech *sp, const struct cache_entry *keep1,
			const struct cache_entry *keep2)
{
	struct cache_entry *e = sp->tail;

	if (!sp->budget)
		return;
	while (e && sp->bytes > sp->budget) {
		struct cache_entry *prev = e->prev;

		if (e != keep1 && e != keep2)
			cache_remove(sp, e);
		e = prev;
	}
}

static struct cache_entry *cache_find(struct speech *sp, const char *key,
				      size_t keylen, uint64_t h)
{
	if (!sp->n_buckets)
		return NULL;
	for (struct cache_entry *e = sp->buckets[h & (sp->n_buckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			return e;
	return NULL;
}

const struct clip *speech_get(struct speech *sp, const struct speech_voice *v,
			      const char *text, char *err, size_t errlen)
{
	struct cache_entry *e;
	struct clip c;
	size_t keylen, dkeylen = 0, n;
	char *key, *dkey;
	int16_t *pcm;
	uint64_t h;
	unsigned gen;
	int rate;

	if (!v || !text) {
		snprintf(err, errlen, "no speech voice or text given");
		return NULL;
	}
	key = cache_key(v, text, &keylen);
	h = hash_bytes(key, keylen);
	if ((e = cache_find(sp, key, keylen, h))) {
		free(key);
		lru_unlink(sp, e);
		lru_push_front(sp, e);
		sp->last = e;
		return &e->clip;
	}

	/* Then the cache on disk, then the worker. */
	if (check_request(v, text, err, errlen) < 0) {
		free(key);
		return NULL;
	}
	dkey = disk_key(sp, v, text, &dkeylen);
	gen = sp->datadir_gen;
	if (dkey && speech_disk_read(sp->disk_dir, dkey, dkeylen, &pcm, &n, &rate) == 0) {
		sp->disk_hits++;
	} else if (synth_pcm(sp, v, text, &pcm, &n, &rate, err, errlen) == 0) {
		sp->disk_misses++;
		/* Not if the variant the key holds was copied again meanwhile
		 * (a worker restarted on a data directory made again). */
		if (dkey && gen == sp->datadir_gen)
			speech_disk_write(sp->disk_dir, dkey, dkeylen, pcm, n, rate);
	} else {
		free(dkey);
		free(key);
		return NULL;
	}
	free(dkey);
	if (speech_to_clip(pcm, n, rate, (float)v->volume / 100.0f, &c, err, errlen) < 0) {
		free(pcm);
		free(key);
		return NULL;
	}
	free(pcm);
	if (sp->n_entries >= sp->n_buckets)
		cache_grow(sp);
	e = xmalloc(sizeof(*e) + keylen + 1);
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, keylen + 1);
	free(key);
	e->keylen = keylen;
	e->hash = h;
	e->clip = c;
	e->bytes = sizeof(*e) + keylen + 1 + c.n * sizeof(float);
	e->hnext = sp->buckets[h & (sp->n_buckets - 1)];
	sp->buckets[h & (sp->n_buckets - 1)] = e;
	lru_push_front(sp, e);
	sp->n_entries++;
	sp->bytes += e->bytes;
	cache_evict(sp, e, sp->last);
	sp->last = e;
	return &e->clip;
}

const struct clip *speech_cache_peek(struct speech *sp, const struct speech_voice *v,
				     const char *text)
{
	size_t keylen;
	char *key = cache_key(v, text, &keylen);
	struct cache_entry *e = cache_find(sp, key, keylen, hash_bytes(key, keylen));

	free(key);
	return e ? &e->clip : NULL;
}

size_t speech_cache_bytes(const struct speech *sp)
{
	return sp->bytes;
}

size_t speech_cache_count(const struct speech *sp)
{
	return sp->n_entries;
}

void speech_set_cache_budget(struct speech *sp, size_t budget_bytes)
{
	sp->budget = budget_bytes;
	cache_evict(sp, sp->last, NULL);
}

void speech_cache_clear(struct speech *sp)
{
	while (sp->head)
		cache_remove(sp, sp->head);
	sp->last = NULL;
}
