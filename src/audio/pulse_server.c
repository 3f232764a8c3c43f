/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pulse_server.c: ask the pulse-protocol server its name and version. */
#include "audio/pulse_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <pulse/context.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>

#include "base/util.h"

struct query {
	char *name;
	size_t len;
	int done; /* 1 answered, -1 failed */
};

/* The last answer, and the socket it came through (pulse_server_known). */
static struct {
	pthread_mutex_t lock;
	bool valid;
	char name[64];
	char env[600];        /* what chooses the server (env_key) */
	struct sockaddr_un sa; /* the server's socket */
	dev_t dev;
	ino_t ino;
	struct timespec ctim;
} last = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* What libpulse goes by to find the server, besides client.conf. */
static void env_key(char *buf, size_t len)
{
	static const char *const vars[] = { "PULSE_SERVER", "PULSE_RUNTIME_PATH",
					    "XDG_RUNTIME_DIR", "HOME" };
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && used < len; i++) {
		const char *v = getenv(vars[i]);
		int n = snprintf(buf + used, len - used, "%s=%s\n", vars[i], v ? v : "");

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* The unix socket of the server c is connected to, as libpulse names it
 * ("/run/user/1000/pulse/native" or "unix:..."); false for another kind. */
static bool server_socket(pa_context *c, struct sockaddr_un *sa)
{
	const char *srv = pa_context_get_server(c);

	if (!srv)
		return false;
	if (!strncmp(srv, "unix:", 5))
		srv += 5;
	if (srv[0] != '/' || strlen(srv) >= sizeof(sa->sun_path))
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, srv, strlen(srv));
	return true;
}

/* Is the server that answered last still listening on its socket: the same
 * file (a restarted server makes a new one), the same environment, and a
 * connection taken (refused once it is gone)? ~50 us. Lock held. */
static bool still_there(void)
{
	char env[sizeof(last.env)];
	struct stat st;
	int fd, r;

	if (!last.valid)
		return false;
	env_key(env, sizeof(env));
	if (strcmp(env, last.env) || stat(last.sa.sun_path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_dev != last.dev || st.st_ino != last.ino ||
	    st.st_ctim.tv_sec != last.ctim.tv_sec || st.st_ctim.tv_nsec != last.ctim.tv_nsec)
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)&last.sa, sizeof(last.sa));
	if (r < 0 && errno != EAGAIN && errno != EINPROGRESS)
		r = -2;
	close(fd);
	return r != -2;
}

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
			struct stat sb;

			/* Remember where it answered (pulse_server_known). */
			pthread_mutex_lock(&last.lock);
			last.valid = false;
			if (server_socket(c, &last.sa) && stat(last.sa.sun_path, &sb) == 0) {
				last.dev = sb.st_dev;
				last.ino = sb.st_ino;
				last.ctim = sb.st_ctim;
				last.valid = true;
			}
			pthread_mutex_unlock(&last.lock);
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
	pthread_mutex_lock(&last.lock);
	if (q.done > 0 && last.valid) {
		snprintf(last.name, sizeof(last.name), "%s", name);
		env_key(last.env, sizeof(last.env));
	} else {
		last.valid = false;
	}
	pthread_mutex_unlock(&last.lock);
	return q.done > 0 ? 0 : -1;
}

int pulse_server_known(char *name, size_t len, int timeout_ms)
{
	bool known;

	pthread_mutex_lock(&last.lock);
	known = still_there();
	if (known)
		snprintf(name, len, "%s", last.name);
	pthread_mutex_unlock(&last.lock);
	return known ? 0 : pulse_server_query(name, len, timeout_ms);
}

