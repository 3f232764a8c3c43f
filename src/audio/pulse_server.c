/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pulse_server.c: ask the pulse-protocol server its name and version. */
#include "audio/pulse_server.h"

#include <stdio.h>
#include <string.h>

#include <pulse/context.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>

#include "base/util.h"

struct query {
	char *name;
	size_t len;
	int done; /* 1 answered, -1 failed */
};

/* "PulseAudio (on PipeWire 0.3.65)" is pipewire-pulse: name PipeWire. */
static void server_cb(pa_context *c, const pa_server_info *i, void *data)
{
	struct query *q = data;
	const char *on;
	unsigned n;

	(void)c;
	if (!i) {
		q->done = -1;
		return;
	}
	on = i->server_name ? strstr(i->server_name, "(on PipeWire ") : NULL;
	if (on) {
		snprintf(q->name, q->len, "%s", on + 4);
		n = (unsigned)strlen(q->name);
		if (n && q->name[n - 1] == ')')
			q->name[n - 1] = 0;
	} else if (i->server_name && !strcmp(i->server_name, "pulseaudio")) {
		snprintf(q->name, q->len, "PulseAudio %.*s",
			 (int)strspn(i->server_version ? i->server_version : "", "0123456789."),
			 i->server_version ? i->server_version : "");
	} else {
		snprintf(q->name, q->len, "%s %s", i->server_name ? i->server_name : "?",
			 i->server_version ? i->server_version : "");
	}
	q->done = 1;
}

int pulse_server_query(char *name, size_t len, int timeout_ms)
{
	struct query q = { .name = name, .len = len, .done = 0 };
	pa_mainloop *ml = pa_mainloop_new();
	pa_context *c = ml ? pa_context_new(pa_mainloop_get_api(ml), "backcoach") : NULL;
	double deadline = util_now() + timeout_ms / 1000.0;
	pa_operation *op = NULL;

	if (!c || pa_context_connect(c, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0)
		q.done = -1;
	while (!q.done) {
		double left = deadline - util_now();
		pa_context_state_t st = pa_context_get_state(c);

		if (st == PA_CONTEXT_READY && !op) {
			op = pa_context_get_server_info(c, server_cb, &q);
			if (!op)
				q.done = -1;
		} else if (!PA_CONTEXT_IS_GOOD(st) || left <= 0) {
			q.done = -1;
		}
		if (q.done)
			break;
		if (pa_mainloop_prepare(ml, (int)(left * 1e6) + 1) < 0 || pa_mainloop_poll(ml) < 0 ||
		    pa_mainloop_dispatch(ml) < 0)
			q.done = -1;
	}
	if (op) {
		pa_operation_cancel(op);
		pa_operation_unref(op);
	}
	if (c) {
		pa_context_disconnect(c);
		pa_context_unref(c);
	}
	if (ml)
		pa_mainloop_free(ml);
	if (q.done < 0 && len)
		name[0] = 0;
	return q.done > 0 ? 0 : -1;
}

