/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink_file.c: the file sink: WAV, FLAC or Ogg Vorbis through libsndfile,
 * written to an unnamed file (O_TMPFILE) in the target's directory and linked
 * into place only when everything (every write, sf_close, fsync) succeeded:
 * however the process ends before that, even by SIGKILL, no file is left.
 * Where the filesystem has no O_TMPFILE (or /proc is missing), a hidden
 * temporary file beside the target is renamed into place instead; it is
 * removed on every failure the process lives through.
 *
 * libsndfile does its I/O through our callbacks (sf_open_virtual), which
 * record the first failed write: its Vorbis writer ignores write errors, so
 * sf_writef_float and sf_close results alone would miss a full disk.
 *
 * WAV samples are converted to 16 bits here, exactly as libsndfile converts
 * them (see f2s_clip), and handed over in large blocks; writeback is started
 * as the file grows, so the final fsync has little left to wait for. */
#include "audio/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/audio.h"
#include "base/util.h"

#define VORBIS_QUALITY 0.5 /* libsndfile's 0..1 scale; ~q5, transparent for speech */
#define PCM_BUF 131072     /* WAV: samples converted and written at a time */
#define WRITEBACK_BYTES (1 << 20) /* start writeback every this many bytes */

static const struct {
	const char *ext;
	int format;
} formats[] = {
	{ ".wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16 },
	{ ".flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16 },
	{ ".ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS },
};

struct file_sink {
	struct sink base;
	SNDFILE *sf;
	int fd;
	char *path;
	char *tmp;    /* name of the temporary file; NULL while it has none */
	bool unnamed; /* fd is an O_TMPFILE file, linked in at the end */
	bool failed;
	int io_errno;      /* first failed write or seek, 0 = none */
	off_t off;         /* file offset, as our callbacks moved it */
	off_t written;     /* writeback started for [0, written) */
	short *pcm;        /* WAV: converted samples not yet written, or NULL */
	size_t n_pcm;
	int64_t frames;    /* written so far: what a file has "played" */
	char error[768];
};

static sf_count_t vio_filelen(void *ctx)
{
	struct file_sink *fs = ctx;
	struct stat st;

	return fstat(fs->fd, &st) < 0 ? -1 : (sf_count_t)st.st_size;
}

static sf_count_t vio_seek(sf_count_t offset, int whence, void *ctx)
{
	struct file_sink *fs = ctx;
	off_t r = lseek(fs->fd, (off_t)offset, whence);

	if (r < 0 && !fs->io_errno)
		fs->io_errno = errno;
	if (r >= 0)
		fs->off = r;
	return (sf_count_t)r;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *ctx)
{
	struct file_sink *fs = ctx;
	sf_count_t done = 0;

	while (done < count) {
		ssize_t r = read(fs->fd, (char *)ptr + done, (size_t)(count - done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += r;
	}
	fs->off += (off_t)done;
	return done;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *ctx)
{
	struct file_sink *fs = ctx;
	sf_count_t done = 0;

	while (done < count) {
		ssize_t r = write(fs->fd, (const char *)ptr + done, (size_t)(count - done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!fs->io_errno)
				fs->io_errno = r < 0 ? errno : EIO;
			break;
		}
		done += r;
	}
	fs->off += (off_t)done;
	return done;
}

static sf_count_t vio_tell(void *ctx)
{
	struct file_sink *fs = ctx;

	return (sf_count_t)lseek(fs->fd, 0, SEEK_CUR);
}

static SF_VIRTUAL_IO vio = {
	.get_filelen = vio_filelen,
	.seek = vio_seek,
	.read = vio_read,
	.write = vio_write,
	.tell = vio_tell,
};

/* The process umask, read without changing it (umask(2) would race with
 * other threads); 022 if /proc is not there. */
static mode_t current_umask(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned m = 022;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &m) == 1)
			break;
	if (f)
		fclose(f);
	return (mode_t)m;
}

/* A float sample as libsndfile writes it to 16-bit PCM with SFC_SET_CLIPPING
 * (pcm.c, f2les_clip_array): scaled by 2^31, rounded to nearest (ties to
 * even), then the top 16 bits kept, which rounds towards minus infinity;
 * >= 1.0 gives 32767, <= -1.0 and NaN give -32768. Both versions below give
 * libsndfile 1.2.0's result for every float bit pattern (checked once,
 * exhaustively; test_sink_file checks the edge cases against the library). */
static inline short f2s_clip(float x)
{
	float s = x * 2147483648.0f;
	int32_t v;

	if (s >= 2147483648.0f)
		return 32767;
	if (!(s > -2147483648.0f))
		return -32768;
	/* |s| < 2^31: adding and taking away 1.5 * 2^52 rounds it to an
	 * integer in the current (round-to-nearest) mode, like lrintf. */
	v = (int32_t)(((double)s + 6755399441055744.0) - 6755399441055744.0);
	return (short)((int32_t)(((uint32_t)v + 0x80000000u) >> 16) - 32768);
}

#ifdef __SSE2__
/* The same for four samples, as libsndfile does it: cvtps2dq rounds like
 * lrintf (in the current, round-to-nearest mode) and gives 0x80000000 for
 * NaN and out of range, which the arithmetic shift makes -32768; only
 * s >= 2^31 must become 32767 instead, its bitwise complement. */
static inline __m128i f2s_clip4(__m128 x)
{
	__m128 s = _mm_mul_ps(x, _mm_set1_ps(2147483648.0f));
	__m128i v = _mm_srai_epi32(_mm_cvtps_epi32(s), 16);

	return _mm_xor_si128(v, _mm_castps_si128(_mm_cmple_ps(_mm_set1_ps(2147483648.0f), s)));
}
#endif

static void f2s_clip_array(const float *src, short *dst, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm_packs_epi32(f2s_clip4(_mm_loadu_ps(src + i)),
						 f2s_clip4(_mm_loadu_ps(src + i + 4))));
#endif
	for (; i < n; i++)
		dst[i] = f2s_clip(src[i]);
}

/* Start writing back what is complete on disk, so that fsync at the end
 * finds little left to do. Only whole pages below the end: a page still
 * being filled is left alone. Advisory: errors show up in fsync. */
static void start_writeback(struct file_sink *fs)
{
#ifdef SYNC_FILE_RANGE_WRITE
	off_t end = fs->off & ~(off_t)0xffff; /* a multiple of the page size */

	if (end - fs->written < WRITEBACK_BYTES)
		return;
	sync_file_range(fs->fd, fs->written, end - fs->written, SYNC_FILE_RANGE_WRITE);
	fs->written = end;
#else
	(void)fs;
#endif
}

/* Record a failed or short write: the first one's reason is kept. */
static int write_failed(struct file_sink *fs, bool short_write)
{
	if (fs->io_errno)
		snprintf(fs->error, sizeof(fs->error), "%s: write failed: %s",
			 fs->path, strerror(fs->io_errno));
	else if (short_write)
		snprintf(fs->error, sizeof(fs->error), "%s: write failed: %s",
			 fs->path, sf_strerror(fs->sf));
	else
		return 0;
	fs->failed = true;
	return -1;
}

/* WAV: write the converted samples buffered so far. */
static int flush_pcm(struct file_sink *fs)
{
	sf_count_t n;

	if (!fs->n_pcm)
		return 0;
	n = sf_writef_short(fs->sf, fs->pcm, (sf_count_t)fs->n_pcm);
	if (write_failed(fs, n != (sf_count_t)fs->n_pcm) < 0)
		return -1;
	fs->n_pcm = 0;
	start_writeback(fs);
	return 0;
}

static int file_write(struct sink *s, const float *buf, size_t frames)
{
	struct file_sink *fs = (struct file_sink *)s;
	sf_count_t n;

	if (fs->failed)
		return -1;
	fs->frames += (int64_t)frames;
	if (!fs->pcm) {
		n = sf_writef_float(fs->sf, buf, (sf_count_t)frames);
		if (write_failed(fs, n != (sf_count_t)frames) < 0)
			return -1;
		start_writeback(fs);
		return 0;
	}
	while (frames) {
		size_t k = PCM_BUF - fs->n_pcm;
		short *d = fs->pcm + fs->n_pcm;

		if (k > frames)
			k = frames;
		f2s_clip_array(buf, d, k);
		fs->n_pcm += k;
		buf += k;
		frames -= k;
		if (fs->n_pcm == PCM_BUF && flush_pcm(fs) < 0)
			return -1;
	}
	return 0;
}

static const char *file_error(const struct sink *s)
{
	return ((const struct file_sink *)s)->error;
}

/* fsync the directory holding path, so the rename is on disk too. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xasprintf("%.*s", (int)(slash - path + (slash == path)), path)
			  : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* A name for a temporary file beside path: ".NAME.XXXXXX", XXXXXX random. */
static char *temp_name(const char *path, bool template_only)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *t = xasprintf("%.*s.%s.XXXXXX", (int)(base - path), path, base);

	if (!template_only) {
		static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		unsigned char rnd[6];
		char *x = t + strlen(t) - 6;

		if (getentropy(rnd, sizeof(rnd)) < 0)
			for (size_t i = 0; i < sizeof(rnd); i++)
				rnd[i] = (unsigned char)(rand() ^ getpid());
		for (size_t i = 0; i < sizeof(rnd); i++)
			x[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	}
	return t;
}

/* Give the unnamed file its name: linked straight to the target where that
 * does not exist yet, else linked to a temporary name and renamed over it
 * (link cannot replace a file). Returns 0, or -1 with errno. */
static int link_unnamed(struct file_sink *fs)
{
	char proc[64];

	/* Linking an O_TMPFILE file by its descriptor (AT_EMPTY_PATH) takes
	 * CAP_DAC_READ_SEARCH; through /proc it takes nothing. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fs->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, fs->path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		fs->tmp = temp_name(fs->path, false);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, fs->tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0; /* file_close renames it into place */
		free(fs->tmp);
		fs->tmp = NULL;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int file_close(struct sink *s, bool ok, char *err, size_t errlen)
{
	struct file_sink *fs = (struct file_sink *)s;
	int e;

	if (fs->sf) {
		if (ok && !fs->failed)
			flush_pcm(fs);
		e = sf_close(fs->sf);
		if (fs->io_errno && !fs->failed) {
			snprintf(fs->error, sizeof(fs->error), "%s: write failed: %s",
				 fs->path, strerror(fs->io_errno));
			fs->failed = true;
		}
		if (e && !fs->failed) {
			snprintf(fs->error, sizeof(fs->error), "%s: finishing the file: %s",
				 fs->path, sf_error_number(e));
			fs->failed = true;
		}
	}
	if (ok && !fs->failed && fsync(fs->fd) < 0) {
		snprintf(fs->error, sizeof(fs->error), "%s: fsync: %s", fs->path,
			 strerror(errno));
		fs->failed = true;
	}
	/* The unnamed file is linked while its descriptor is open. */
	if (ok && !fs->failed && fs->unnamed && link_unnamed(fs) < 0) {
		snprintf(fs->error, sizeof(fs->error), "%s: linking the file into place: %s",
			 fs->path, strerror(errno));
		fs->failed = true;
	}
	if (close(fs->fd) < 0 && ok && !fs->failed) {
		snprintf(fs->error, sizeof(fs->error), "%s: close: %s", fs->path,
			 strerror(errno));
		fs->failed = true;
		if (fs->unnamed && !fs->tmp)
			unlink(fs->path); /* linked straight into place */
	}
	if (ok && !fs->failed) {
		if (fs->tmp && rename(fs->tmp, fs->path) < 0) {
			snprintf(fs->error, sizeof(fs->error), "%s: renaming %s into place: %s",
				 fs->path, fs->tmp, strerror(errno));
			fs->failed = true;
		} else {
			sync_dir(fs->path);
		}
	}
	if ((!ok || fs->failed) && fs->tmp)
		unlink(fs->tmp);
	e = ok && fs->failed ? -1 : 0;
	if (e && err)
		snprintf(err, errlen, "%s", fs->error);
	free(fs->path);
	free(fs->tmp);
	free(fs->pcm);
	free(fs);
	return e;
}

bool sink_file_named_temp;

static int64_t file_played(const struct sink *s)
{
	return ((const struct file_sink *)s)->frames;
}

static bool file_alive(struct sink *s)
{
	return !((const struct file_sink *)s)->failed;
}

static const char *file_device(const struct sink *s)
{
	return ((const struct file_sink *)s)->path;
}

/* A file has no pause, queue or fade: it takes what is written. */
static const struct sink_ops file_ops = {
	.name = "file",
	.write = file_write,
	.close = file_close,
	.error = file_error,
	.played = file_played,
	.alive = file_alive,
	.device = file_device,
};

struct sink *sink_file_open(const char *path, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	SF_INFO info = { .samplerate = BC_RATE, .channels = 1 };
	struct file_sink *fs;
	char *dir;
	size_t i;

	for (i = 0; dot && dot > base && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcasecmp(dot, formats[i].ext) == 0)
			break;
	if (!dot || dot <= base || i == sizeof(formats) / sizeof(formats[0])) {
		snprintf(err, errlen,
			 "%s: unknown sound file type: the name must end in .wav, .flac or .ogg",
			 path);
		return NULL;
	}
	info.format = formats[i].format;
	if (!sf_format_check(&info)) {
		snprintf(err, errlen, "%s: this libsndfile cannot write %s files", path,
			 formats[i].ext);
		return NULL;
	}

	fs = xcalloc(1, sizeof(*fs));
	fs->base.ops = &file_ops;
	fs->path = xstrdup(path);
	/* An unnamed file in the target's directory, with the usual mode (the
	 * umask applies); a named temporary file where that is not possible. */
	dir = base > path ? xstrndup(path, (size_t)(base - path)) : xstrdup(".");
	fs->fd = sink_file_named_temp ? -1 : open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
	free(dir);
	if (fs->fd >= 0 && access("/proc/self/fd", X_OK) == 0) {
		fs->unnamed = true;
	} else {
		if (fs->fd >= 0)
			close(fs->fd);
		fs->tmp = temp_name(path, true);
		fs->fd = mkstemp(fs->tmp);
		if (fs->fd < 0) {
			snprintf(err, errlen, "%s: cannot create a file there: %s", path,
				 strerror(errno));
			goto fail;
		}
		/* mkstemp makes it 0600; give the result the usual mode. */
		if (fchmod(fs->fd, 0666 & ~current_umask()) < 0) {
			snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
			goto fail_fd;
		}
	}
	fs->sf = sf_open_virtual(&vio, SFM_WRITE, &info, fs);
	if (!fs->sf) {
		snprintf(err, errlen, "%s: %s", path, sf_strerror(NULL));
		goto fail_fd;
	}
	/* Without clipping, libsndfile's FLAC writer fails on samples beyond
	 * +-1.0 and the integer formats wrap around. */
	sf_command(fs->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	if (info.format == (SF_FORMAT_WAV | SF_FORMAT_PCM_16))
		fs->pcm = xmalloc(PCM_BUF * sizeof(short));
	if ((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_VORBIS) {
		double q = VORBIS_QUALITY;

		sf_command(fs->sf, SFC_SET_VBR_ENCODING_QUALITY, &q, sizeof(q));
	}
	return &fs->base;

fail_fd:
	close(fs->fd);
	if (fs->tmp)
		unlink(fs->tmp);
fail:
	free(fs->path);
	free(fs->tmp);
	free(fs);
	return NULL;
}
