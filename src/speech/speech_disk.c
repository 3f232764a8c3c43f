/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech_disk.c: synthesised speech kept on disk, so that a line the user
 * hears every day is synthesised once, not at every daemon start, session
 * and render. One file per line: a header, the whole key, the samples as
 * the worker returned them. A file that is not exactly that is a miss. */
#include "speech/speech_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

#define DISK_MAGIC 0x43534342u /* "BCSC" */
/* Entry names: 16 lower-case hex digits; temporary files start with this. */
#define TMP_PREFIX ".tmp-"
/* A read of an entry older than this touches it, for the ageing. */
#define TOUCH_AFTER_S (24 * 3600)
/* A temporary file this old was left by a writer that died. */
#define TMP_STALE_S 3600

struct disk_head {
	uint32_t magic;
	uint32_t version; /* SPEECH_DISK_FORMAT */
	uint32_t rate;    /* sample rate of the samples */
	uint32_t keylen;  /* bytes of key after the header */
	uint64_t n;       /* int16 samples after the key */
};

uint64_t speech_disk_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

char *speech_disk_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	/* XDG base directories: unset, empty or relative means the default. */
	if (x && x[0] == '/')
		return xasprintf("%s/backcoach/speech", x);
	if (home && home[0] == '/')
		return xasprintf("%s/.cache/backcoach/speech", home);
	return NULL;
}

static char *entry_path(const char *dir, const char *key, size_t keylen)
{
	return xasprintf("%s/%016llx", dir,
			 (unsigned long long)speech_disk_hash(key, keylen));
}

static int read_full(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t r = write(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ENOSPC;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int speech_disk_read(const char *dir, const char *key, size_t keylen,
		     int16_t **pcm, size_t *n, int *rate)
{
	char *path = entry_path(dir, key, keylen), err[128], *k = NULL;
	struct disk_head h;
	struct stat st;
	int16_t *s = NULL;
	int fd;

	/* A regular file only: never a FIFO's wait, never a symlink. */
	fd = util_open_file(path, O_RDONLY | O_NOFOLLOW, 0, err, sizeof(err));
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_debug("speech cache: %s: %s", path, err);
		free(path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || read_full(fd, &h, sizeof(h)) < 0 ||
	    h.magic != DISK_MAGIC || h.version != SPEECH_DISK_FORMAT ||
	    h.keylen != keylen || h.rate < SPEECH_MIN_RATE || h.rate > SPEECH_MAX_RATE ||
	    h.n > (uint64_t)SPEECH_MAX_SECONDS * h.rate ||
	    (uint64_t)st.st_size != sizeof(h) + keylen + h.n * sizeof(int16_t))
		goto miss;
	k = xmalloc(keylen ? keylen : 1);
	if (read_full(fd, k, keylen) < 0 || memcmp(k, key, keylen) != 0)
		goto miss;
	s = xmalloc(h.n ? h.n * sizeof(*s) : 1);
	if (read_full(fd, s, h.n * sizeof(*s)) < 0)
		goto miss;
	/* Used: keep it from the ageing (at most once a day per entry). */
	if (time(NULL) - st.st_mtime > TOUCH_AFTER_S && futimens(fd, NULL) < 0)
		log_debug("speech cache: %s: cannot touch: %s", path, strerror(errno));
	close(fd);
	free(k);
	free(path);
	*pcm = s;
	*n = (size_t)h.n;
	*rate = (int)h.rate;
	return 0;

miss:
	log_debug("speech cache: %s: not a whole entry of this line: synthesised again", path);
	close(fd);
	free(k);
	free(s);
	free(path);
	return -1;
}

void speech_disk_write(const char *dir, const char *key, size_t keylen,
		       const int16_t *pcm, size_t n, int rate)
{
	static unsigned long seq;
	struct disk_head h = {
		.magic = DISK_MAGIC, .version = SPEECH_DISK_FORMAT,
		.rate = (uint32_t)rate, .keylen = (uint32_t)keylen, .n = n,
	};
	char *path = entry_path(dir, key, keylen), *tmp, err[128];
	int fd;

	if (util_mkdir_p(dir, 0700) < 0) {
		log_debug("speech cache: %s: %s", dir, strerror(errno));
		free(path);
		return;
	}
	/* Unique per process and call: two writers of one entry (the daemon
	 * and a render, or two threads) each write their own, and the last
	 * rename wins with a whole file either way. */
	tmp = xasprintf("%s/" TMP_PREFIX "%ld-%lu-%lx", dir, (long)getpid(),
			__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED),
			(unsigned long)time(NULL));
	fd = util_open_file(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, err,
			    sizeof(err));
	if (fd < 0) {
		log_debug("speech cache: %s: %s", tmp, err);
		goto out;
	}
	if (write_full(fd, &h, sizeof(h)) < 0 || write_full(fd, key, keylen) < 0 ||
	    write_full(fd, pcm, n * sizeof(*pcm)) < 0) {
		log_debug("speech cache: %s: cannot write: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		log_debug("speech cache: %s: cannot store: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	free(path);
}

struct disk_file {
	time_t mtime;
	off_t size;
	char name[24];
};

static int cmp_mtime(const void *a, const void *b)
{
	const struct disk_file *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

static bool is_entry_name(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 16 && s[n] == '\0';
}

void speech_disk_tidy(const char *dir, int64_t max_age_s, uint64_t max_bytes)
{
	struct disk_file *f = NULL;
	size_t n = 0, cap = 0, removed = 0;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;
	int dfd;

	if (!dir || !(d = opendir(dir)))
		return;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		bool entry = is_entry_name(de->d_name);
		bool tmp = strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
		struct stat st;

		if ((!entry && !tmp) || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			continue;
		/* Not a file where an entry goes (a reader refuses it; a
		 * write replaces it), an entry not used for max_age_s, a
		 * temporary file its writer left: gone. */
		if (!S_ISREG(st.st_mode) || (entry && now - st.st_mtime > max_age_s) ||
		    (tmp && now - st.st_mtime > TMP_STALE_S)) {
			if (unlinkat(dfd, de->d_name, 0) == 0)
				removed++;
			continue;
		}
		if (tmp)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			f = xrealloc(f, cap * sizeof(*f));
		}
		f[n].mtime = st.st_mtime;
		f[n].size = st.st_size;
		memcpy(f[n].name, de->d_name, 17); /* is_entry_name: 16 + NUL */
		total += (uint64_t)st.st_size;
		n++;
	}
	/* Over the size cap: the least recently used first. */
	if (total > max_bytes) {
		qsort(f, n, sizeof(*f), cmp_mtime);
		for (size_t i = 0; i < n && total > max_bytes; i++) {
			if (unlinkat(dfd, f[i].name, 0) == 0) {
				removed++;
				total -= (uint64_t)f[i].size;
			}
		}
	}
	closedir(d);
	free(f);
	log_debug("speech cache: %s: %zu entries removed, %.1f MiB kept", dir, removed,
		  (double)total / (1 << 20));
}
