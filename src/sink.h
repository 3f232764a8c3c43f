/* sink.h: where mixed samples go: a sound file or a PortAudio device. */
#ifndef BC_SINK_H
#define BC_SINK_H

#include <stdbool.h>
#include <stddef.h>

struct sink;

/* Backends share this interface (a file sink and a PortAudio sink). */
struct sink_ops {
	const char *name;
	/* Write frames mono samples at BC_RATE, blocking until accepted.
	 * Returns 0, or -1 with the sink's error set. */
	int (*write)(struct sink *s, const float *buf, size_t frames);
	/* Finish: ok = true commits (file: renamed into place; device: drained),
	 * ok = false discards (file: removed). Frees s. Returns 0 or -1. */
	int (*close)(struct sink *s, bool ok, char *err, size_t errlen);
	/* Last error text of a failed write. */
	const char *(*error)(const struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
};

/* A sound file, format chosen by path's extension: .wav (16-bit PCM), .flac
 * (16-bit), .ogg (Vorbis). Written to a temporary file beside path and renamed
 * over it only on a successful close, so a failed or interrupted render never
 * leaves a partial file that looks complete. NULL with err filled on error
 * (unknown extension lists the known ones). */
struct sink *sink_file_open(const char *path, char *err, size_t errlen);

#endif
