/* SPDX-License-Identifier: GPL-3.0-or-later */
/* util.c: small helpers: checked allocation, durations, strings. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	fputs("backcoach: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

int util_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "ms", 1 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
	double total = 0;
	const char *p = s;
	int last_unit = -1;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return -1;
	while (*p && !isspace((unsigned char)*p)) {
		double v = 0, scale = 1;
		bool digits = false;
		size_t i;

		/* Digits, an optional fraction: no signs, exponents or hex, and
		 * '.' whatever the locale. */
		for (; isdigit((unsigned char)*p); p++, digits = true)
			v = v * 10 + (*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++, digits = true)
				v += (*p - '0') * (scale /= 10);
		if (!digits)
			return -1;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strncmp(p, units[i].unit, strlen(units[i].unit)) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1; /* missing or unknown unit */
		/* Units must come largest first, each once: 1h30m, not 30m1h. */
		if (last_unit >= 0 && units[i].ms >= units[last_unit].ms)
			return -1;
		last_unit = (int)i;
		total += v * (double)units[i].ms;
		p += strlen(units[i].unit);
		if (total > 365.0 * 24 * 3600000)
			return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -1;
	*ms = (int64_t)(total + 0.5);
	return 0;
}

char *util_format_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms + 500) / 1000;

	if (ms < 1000 && ms != 0)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
	return buf;
}

char *util_strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Decodes one UTF-8 sequence at p (before end): its length, or 0 if it is
 * not valid (overlong, surrogate, out of range, cut short). */
static size_t utf8_decode(const unsigned char *p, const unsigned char *end,
			  unsigned *out)
{
	unsigned c = *p, need, cp;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) <= need)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
	    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*out = cp;
	return need + 1;
}

bool util_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		unsigned cp;
		size_t n = utf8_decode(p, end, &cp);

		/* Invalid, or a C0 (but tab), DEL or C1 control. */
		if (!n || (cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			return false;
		p += n;
	}
	return true;
}

size_t util_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned cp;
		size_t n = utf8_decode(p, end, &cp);

		if (!n)
			break;
		p += n;
	}
	return (size_t)(p - (const unsigned char *)s);
}

int util_mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *q;
	int ret = 0;

	for (q = p + 1; ; q++) {
		if (*q == '/' || *q == '\0') {
			char c = *q;
			*q = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				ret = -1;
				break;
			}
			*q = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

int util_env_add_prop(const char *var, const char *key, const char *value)
{
	const char *old = getenv(var);
	char *s;
	size_t n;
	int r;

	if (!old || !*old) {
		s = xasprintf("%s=%s", key, value);
		goto set;
	}
	/* Present as a key: followed by optional blanks and '=' or ':'. */
	for (const char *p = strstr(old, key); p; p = strstr(p + 1, key)) {
		const char *q = p + strlen(key);
		bool start = p == old || strchr(" \t{,\"", p[-1]);
		while (*q == ' ' || *q == '\t' || *q == '"')
			q++;
		if (start && (*q == '=' || *q == ':'))
			return 0;
	}
	n = strlen(old);
	while (n && (old[n - 1] == ' ' || old[n - 1] == '\t'))
		n--;
	if (n && old[n - 1] == '}') { /* inside the object */
		n--;
		while (n && (old[n - 1] == ' ' || old[n - 1] == '\t'))
			n--;
		s = xasprintf("%.*s %s=%s }", (int)n, old, key, value);
	} else {
		s = xasprintf("%.*s %s=%s", (int)n, old, key, value);
	}
set:
	r = setenv(var, s, 1);
	free(s);
	return r < 0 ? -1 : 0;
}

double util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t util_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *util_replace(const char *s, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0;
	char *out, *o;

	for (const char *p = s; (p = strstr(p, key)); p += kl)
		n++;
	out = o = xmalloc(strlen(s) + n * vl + 1);
	while (*s) {
		if (strncmp(s, key, kl) == 0) {
			memcpy(o, val, vl);
			o += vl;
			s += kl;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

int util_open_file(const char *path, int flags, unsigned mode, char *err,
		   size_t errlen)
{
	struct stat st;
	int fd, fl, e;

	/* O_NONBLOCK: opening a FIFO with no writer (or, for writing, no
	 * reader), or a device, returns at once instead of waiting; fstat
	 * then tells what was opened. */
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, (mode_t)mode);
	if (fd < 0) {
		e = errno;
		if (e == EEXIST && (flags & O_EXCL) && lstat(path, &st) == 0 &&
		    !S_ISREG(st.st_mode)) {
			/* Something else where a file is to be created: say
			 * what (a regular one there keeps EEXIST). */
			e = S_ISLNK(st.st_mode) ? ELOOP : S_ISDIR(st.st_mode) ? EISDIR : ENXIO;
			snprintf(err, errlen, "%s", S_ISLNK(st.st_mode) ? "is a symbolic link, not a file"
						    : S_ISDIR(st.st_mode) ? "is a directory, not a file"
									  : "not a regular file");
		} else if (e == EEXIST && (flags & O_EXCL)) {
			snprintf(err, errlen, "already exists");
		} else if (e == ENXIO || (e == ELOOP && (flags & O_NOFOLLOW)) || e == EISDIR) {
			/* A FIFO without a reader, a socket, a symlink refused,
			 * or a directory opened for writing: say which. */
			if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
			    (flags & O_NOFOLLOW))
				snprintf(err, errlen, "is a symbolic link, not a file");
			else if (e == EISDIR)
				snprintf(err, errlen, "is a directory, not a file");
			else
				snprintf(err, errlen, "not a regular file");
		} else {
			snprintf(err, errlen, "cannot open: %s", strerror(e));
		}
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot read: %s", strerror(e));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		snprintf(err, errlen, "is a directory, not a file");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = ENXIO;
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot read: %s", strerror(e));
		goto fail;
	}
	return fd;

fail:
	close(fd);
	errno = e;
	return -1;
}

int util_open_regular(const char *path, char *err, size_t errlen)
{
	return util_open_file(path, O_RDONLY, 0, err, errlen);
}

int64_t util_test_now(void)
{
	const char *e = getenv("BACKCOACH_TEST_NOW");
	char *end;
	long long v;

	if (e && *e) {
		errno = 0;
		v = strtoll(e, &end, 10);
		if (!errno && !*end && v > 0)
			return (int64_t)v;
	}
	return (int64_t)time(NULL);
}

bool util_resource_name(int e, char *buf, size_t len)
{
	struct rlimit rl;

	if (e == EMFILE) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			snprintf(buf, len, "too many open files (the limit is %llu: ulimit -n)",
				 (unsigned long long)rl.rlim_cur);
		else
			snprintf(buf, len, "too many open files");
	} else if (e == ENFILE) {
		snprintf(buf, len, "too many open files in the system");
	} else if (e == ENOMEM) {
		if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			snprintf(buf, len, "out of memory (the address space is limited to "
				 "%llu MiB: ulimit -v)", (unsigned long long)(rl.rlim_cur >> 20));
		else
			snprintf(buf, len, "out of memory");
	} else {
		return false;
	}
	return true;
}

bool util_room_for_library(int n_threads)
{
	pthread_attr_t attr;
	size_t stack = 8u << 20, bytes;
	void *m;

	if (pthread_getattr_default_np(&attr) == 0) {
		(void)pthread_attr_getstacksize(&attr, &stack);
		pthread_attr_destroy(&attr);
	}
	bytes = (64u << 20) + (size_t)n_threads * stack;
	m = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return errno != ENOMEM;
	munmap(m, bytes);
	return true;
}

bool util_resource_short(char *buf, size_t len)
{
	void *m;
	int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	else if (util_resource_name(errno, buf, len))
		return true;
	/* The sound libraries map shared memory pools of this order. */
	m = mmap(NULL, 64u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (m != MAP_FAILED) {
		munmap(m, 64u << 20);
		return false;
	}
	return util_resource_name(ENOMEM, buf, len);
}
