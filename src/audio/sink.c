/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink.c: the live controls of sink.h, for sinks with and without them. */
#include "audio/sink.h"

void sink_pause(struct sink *s)
{
	if (s->ops->pause)
		s->ops->pause(s);
}

void sink_resume(struct sink *s)
{
	if (s->ops->resume)
		s->ops->resume(s);
}

bool sink_paused(const struct sink *s)
{
	return s->ops->paused ? s->ops->paused(s) : false;
}

void sink_flush(struct sink *s)
{
	if (s->ops->flush)
		s->ops->flush(s);
}

void sink_fade(struct sink *s)
{
	if (s->ops->fade)
		s->ops->fade(s);
}

int sink_drain(struct sink *s)
{
	return s->ops->drain ? s->ops->drain(s) : 0;
}

int64_t sink_played(const struct sink *s)
{
	return s->ops->played ? s->ops->played(s) : 0;
}

void sink_idle(struct sink *s)
{
	if (s->ops->idle)
		s->ops->idle(s);
}

bool sink_alive(struct sink *s)
{
	return s->ops->alive ? s->ops->alive(s) : true;
}

void sink_set_queue(struct sink *s, int64_t queue_ms)
{
	if (s->ops->set_queue)
		s->ops->set_queue(s, queue_ms);
}

size_t sink_start_frames(const struct sink *s)
{
	return s->ops->start_frames ? s->ops->start_frames(s) : 0;
}

unsigned sink_underflows(const struct sink *s)
{
	return s->ops->underflows ? s->ops->underflows(s) : 0;
}

const char *sink_device(const struct sink *s)
{
	return s->ops->device ? s->ops->device(s) : s->ops->name;
}

double sink_latency_ms(const struct sink *s)
{
	return s->ops->latency_ms ? s->ops->latency_ms(s) : 0;
}

void sink_describe(const struct sink *s, char *buf, size_t len)
{
	if (s->ops->describe)
		s->ops->describe(s, buf, len);
	else
		snprintf(buf, len, "%s, %.0f ms", sink_device(s), sink_latency_ms(s));
}

void sink_describe_dropouts(const struct sink *s, char *buf, size_t len)
{
	unsigned n = 0;
	double ms = 0;

	const char *unseen = s->ops->dropouts_unseen ? s->ops->dropouts_unseen(s) : NULL;

	if (!s->ops->dropouts || !s->ops->dropouts(s, &n, &ms))
		snprintf(buf, len, "not observable on this path (no stream timing)");
	else
		snprintf(buf, len, "%u (%.0f ms)%s%s", n, ms, unseen ? "; not seen here: " : "",
			 unseen ? unseen : "");
}
