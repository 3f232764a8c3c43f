/* sink_file.c: the file sink: WAV, FLAC or Ogg Vorbis through libsndfile,
 * written to a hidden temporary file beside the target and renamed into place
 * only when everything (every write, sf_close, fsync) succeeded.
 *
 * libsndfile does its I/O through our callbacks (sf_open_virtual), which
 * record the first failed write: its Vorbis writer ignores write errors, so
 * sf_writef_float and sf_close results alone would miss a full disk. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio.h"
#include "util.h"

#define VORBIS_QUALITY 0.5 /* libsndfile's 0..1 scale; ~q5, transparent for speech */

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
	char *path, *tmp;
	bool failed;
	int io_errno;      /* first failed write or seek, 0 = none */
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

static int file_write(struct sink *s, const float *buf, size_t frames)
{
	struct file_sink *fs = (struct file_sink *)s;
	sf_count_t n;

	if (fs->failed)
		return -1;
	n = sf_writef_float(fs->sf, buf, (sf_count_t)frames);
	if (fs->io_errno) {
		snprintf(fs->error, sizeof(fs->error), "%s: write failed: %s",
			 fs->path, strerror(fs->io_errno));
		fs->failed = true;
		return -1;
	}
	if (n != (sf_count_t)frames) {
		snprintf(fs->error, sizeof(fs->error), "%s: write failed: %s",
			 fs->path, sf_strerror(fs->sf));
		fs->failed = true;
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

static int file_close(struct sink *s, bool ok, char *err, size_t errlen)
{
	struct file_sink *fs = (struct file_sink *)s;
	int e;

	if (fs->sf) {
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
	if (close(fs->fd) < 0 && ok && !fs->failed) {
		snprintf(fs->error, sizeof(fs->error), "%s: close: %s", fs->path,
			 strerror(errno));
		fs->failed = true;
	}
	if (ok && !fs->failed) {
		if (rename(fs->tmp, fs->path) < 0) {
			snprintf(fs->error, sizeof(fs->error), "%s: renaming %s into place: %s",
				 fs->path, fs->tmp, strerror(errno));
			fs->failed = true;
		} else {
			sync_dir(fs->path);
		}
	}
	if (!ok || fs->failed)
		unlink(fs->tmp);
	e = ok && fs->failed ? -1 : 0;
	if (e && err)
		snprintf(err, errlen, "%s", fs->error);
	free(fs->path);
	free(fs->tmp);
	free(fs);
	return e;
}

static const struct sink_ops file_ops = {
	.name = "file",
	.write = file_write,
	.close = file_close,
	.error = file_error,
};

struct sink *sink_file_open(const char *path, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	SF_INFO info = { .samplerate = BC_RATE, .channels = 1 };
	struct file_sink *fs;
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
	fs->tmp = xasprintf("%.*s.%s.XXXXXX", (int)(base - path), path, base);
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
	fs->sf = sf_open_virtual(&vio, SFM_WRITE, &info, fs);
	if (!fs->sf) {
		snprintf(err, errlen, "%s: %s", path, sf_strerror(NULL));
		goto fail_fd;
	}
	/* Without clipping, libsndfile's FLAC writer fails on samples beyond
	 * +-1.0 and the integer formats wrap around. */
	sf_command(fs->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	if ((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_VORBIS) {
		double q = VORBIS_QUALITY;

		sf_command(fs->sf, SFC_SET_VBR_ENCODING_QUALITY, &q, sizeof(q));
	}
	return &fs->base;

fail_fd:
	close(fs->fd);
	unlink(fs->tmp);
fail:
	free(fs->path);
	free(fs->tmp);
	free(fs);
	return NULL;
}
