/* SPDX-License-Identifier: GPL-3.0-or-later */
/* util.h: small helpers: checked allocation, durations, strings. */
#ifndef BC_UTIL_H
#define BC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Allocation that never returns NULL: out of memory prints and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a duration with units: "90s", "50m", "1h30m", "500ms", "1.5s".
 * A bare number is refused (units are required). Returns 0 and *ms, or -1. */
int util_parse_duration(const char *s, int64_t *ms);
/* Format ms as "1h30m", "4m05s", "12s", "250ms" into buf. Returns buf. */
char *util_format_duration(int64_t ms, char *buf, size_t len);

/* The time now, seconds since the epoch: time(NULL), unless the test suite
 * sets BACKCOACH_TEST_NOW (seconds since the epoch, for tests only: stats
 * over crafted days). */
int64_t util_test_now(void);

/* s with every key replaced by val, malloc'd. */
char *util_replace(const char *s, const char *key, const char *val);

/* Strip leading and trailing white space in place; returns s. */
char *util_strip(char *s);

/* Is s valid UTF-8 with no control characters other than tab? */
bool util_text_ok(const char *s);
/* Length of the longest valid UTF-8 prefix of s[0..len) (len if all of it
 * is valid; NUL bytes count as valid). */
size_t util_utf8_valid(const char *s, size_t len);

/* mkdir -p with mode for created directories. Returns 0 or -1 (errno). */
int util_mkdir_p(const char *path, unsigned mode);

/* Open path as a file of the user's (a config, a sound, the day log, a
 * state file): a regular file only, never blocking (a FIFO, a socket or a
 * device is refused, not waited on). flags are open(2)'s (O_RDONLY, or
 * O_WRONLY | O_APPEND | O_CREAT ..., with O_NOFOLLOW to refuse a symlink);
 * mode is for a file created. One open, checked with fstat on the same
 * descriptor, which is returned in blocking mode and close-on-exec.
 * Returns the fd, or -1 with errno (ENOENT for a missing file; EISDIR or
 * ENXIO for a directory or another kind of file; with O_CREAT | O_EXCL,
 * EEXIST for a regular file there, ELOOP for a symlink) and a message in
 * err ("cannot open: ...", "is a directory, not a file", "not a regular
 * file", "is a symbolic link, not a file", "already exists"). */
int util_open_file(const char *path, int flags, unsigned mode, char *err,
		   size_t errlen);
/* util_open_file(path, O_RDONLY, 0, ...): what a config may name, read. */
int util_open_regular(const char *path, char *err, size_t errlen);

/* Add key=value to the property list in environment variable var unless
 * key is in it already: "k=v k2=v2" (PULSE_PROP) or a SPA JSON object,
 * "{ k = v }" or bare "k=v" (PIPEWIRE_PROPS). Call while no other thread
 * reads the environment. Returns 0, or -1 (errno). */
int util_env_add_prop(const char *var, const char *key, const char *value);

/* Has this process run out of something a library needs but may not name
 * (its stderr hidden, its error generic)? File descriptors (a dup fails
 * with EMFILE or ENFILE) or memory (a 64 MiB mapping fails: an address
 * space limit). Returns true with what ran out, and the limit, in buf:
 * "too many open files (the limit is 16: ulimit -n)". */
bool util_resource_short(char *buf, size_t len);
/* Is there room in the address space for what a sound library maps as it
 * connects: a 64 MiB memory pool and n threads' stacks (the default stack
 * size)? false when an address space limit (ulimit -v) leaves less: then
 * the library may fail, or wait forever for a thread it could not start. */
bool util_room_for_library(int n_threads);
/* The same words for errno e when it is EMFILE, ENFILE or ENOMEM (with
 * the limit); false for any other. */
bool util_resource_name(int e, char *buf, size_t len);

/* Seconds from a monotonic clock, for measurements. */
double util_now(void);
/* Milliseconds on clock id (CLOCK_MONOTONIC, _REALTIME, _BOOTTIME). */
int64_t util_clock_ms(clockid_t id);

#endif
