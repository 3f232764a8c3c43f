/* SPDX-License-Identifier: GPL-3.0-or-later */
/* callwatch.c: recordings on the sound server, in libpulse's own thread;
 * see callwatch.h. */
#include "desktop/callwatch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pulse/pulseaudio.h>

#include "base/log.h"
#include "base/util.h"

#define BACKOFF_MIN_US (1000 * 1000ull)
#define BACKOFF_MAX_US (120 * 1000 * 1000ull)
#define MAX_MONITORS 64

struct callwatch {
	pa_threaded_mainloop *ml;
	pa_mainloop_api *api;
	pa_context *ctx;
	pa_context *dead; /* failed: unreferenced outside its own callback */
	pa_time_event *retry;
	uint64_t backoff;
	int efd;

	/* Recount in flight: sources first (which are monitors), then the
	 * source outputs. */
	bool counting, again;
	uint32_t monitors[MAX_MONITORS];
	size_t n_monitors;
	int n;
	char who[64];

	/* Shared with the daemon's thread. */
	pthread_mutex_t lock;
	int count;
	bool connected;
	char count_who[64];
	bool said_down;
};

static void publish(struct callwatch *w, int count, bool connected, const char *who)
{
	uint64_t one = 1;
	bool changed;

	pthread_mutex_lock(&w->lock);
	changed = w->count != count || w->connected != connected;
	w->count = count;
	w->connected = connected;
	snprintf(w->count_who, sizeof(w->count_who), "%s", who ? who : "");
	pthread_mutex_unlock(&w->lock);
	if (changed)
		(void)!write(w->efd, &one, sizeof(one));
}

static bool is_monitor(const struct callwatch *w, uint32_t source)
{
	for (size_t i = 0; i < w->n_monitors; i++)
		if (w->monitors[i] == source)
			return true;
	return false;
}

static bool is_meter(const pa_source_output_info *i)
{
	const char *id = pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_ID);
	const char *pid = pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_PROCESS_ID);
	char self[24];

	if (i->resample_method && strcmp(i->resample_method, "peaks") == 0)
		return true;
	if (id && (strcmp(id, "org.PulseAudio.pavucontrol") == 0 ||
		   strcmp(id, "org.gnome.VolumeControl") == 0))
		return true;
	snprintf(self, sizeof(self), "%ld", (long)getpid());
	return pid && strcmp(pid, self) == 0;
}

static void recount(struct callwatch *w);

static void on_output(pa_context *c, const pa_source_output_info *i, int eol,
		      void *data)
{
	struct callwatch *w = data;
	(void)c;

	if (eol) {
		w->counting = false;
		if (eol > 0)
			publish(w, w->n, true, w->who);
		if (w->again)
			recount(w);
		return;
	}
	if (i->corked || is_monitor(w, i->source) || is_meter(i))
		return;
	if (w->n++ == 0) {
		const char *name = pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_NAME);
		snprintf(w->who, sizeof(w->who), "%s", name ? name : i->name ? i->name : "?");
	}
}

static void on_source(pa_context *c, const pa_source_info *i, int eol, void *data)
{
	struct callwatch *w = data;

	if (eol) {
		pa_operation *o = eol > 0 ? pa_context_get_source_output_info_list(
						    c, on_output, w)
					  : NULL;
		if (o)
			pa_operation_unref(o);
		else
			w->counting = false;
		return;
	}
	if (i->monitor_of_sink != PA_INVALID_INDEX && w->n_monitors < MAX_MONITORS)
		w->monitors[w->n_monitors++] = i->index;
}

static void recount(struct callwatch *w)
{
	pa_operation *o;

	if (w->counting) {
		w->again = true;
		return;
	}
	w->again = false;
	w->n = 0;
	w->who[0] = '\0';
	w->n_monitors = 0;
	o = pa_context_get_source_info_list(w->ctx, on_source, w);
	if (o) {
		w->counting = true;
		pa_operation_unref(o);
	}
}

static void on_event(pa_context *c, pa_subscription_event_type_t t, uint32_t idx,
		     void *data)
{
	(void)c;
	(void)idx;
	/* A source changing (volume, suspended, ...) stays a monitor or not:
	 * only sources coming and going, and any recording's change, count. */
	if ((t & PA_SUBSCRIPTION_EVENT_FACILITY_MASK) == PA_SUBSCRIPTION_EVENT_SOURCE &&
	    (t & PA_SUBSCRIPTION_EVENT_TYPE_MASK) == PA_SUBSCRIPTION_EVENT_CHANGE)
		return;
	recount(data);
}

static void connect_now(struct callwatch *w);

static void on_retry(pa_mainloop_api *a, pa_time_event *e, const struct timeval *tv,
		     void *data)
{
	struct callwatch *w = data;
	(void)tv;
	(void)e;

	a->time_free(w->retry);
	w->retry = NULL;
	if (w->dead) {
		pa_context_unref(w->dead);
		w->dead = NULL;
	}
	connect_now(w);
}

static void retry_later(struct callwatch *w)
{
	struct timeval tv;

	if (w->retry)
		return;
	pa_gettimeofday(&tv);
	pa_timeval_add(&tv, w->backoff);
	w->retry = w->api->time_new(w->api, &tv, on_retry, w);
	w->backoff = w->backoff * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : w->backoff * 2;
}

static void failed(struct callwatch *w, pa_context *c);

static void on_state(pa_context *c, void *data)
{
	struct callwatch *w = data;
	pa_operation *o;

	switch (pa_context_get_state(c)) {
	case PA_CONTEXT_READY:
		if (w->said_down)
			log_info("calls: the sound server is back: call detection on");
		else
			log_debug("calls: watching recordings on %s",
				  pa_context_get_server(c));
		w->said_down = false;
		w->backoff = BACKOFF_MIN_US;
		pa_context_set_subscribe_callback(c, on_event, w);
		o = pa_context_subscribe(c, PA_SUBSCRIPTION_MASK_SOURCE_OUTPUT |
					       PA_SUBSCRIPTION_MASK_SOURCE,
					 NULL, NULL);
		if (o)
			pa_operation_unref(o);
		w->counting = false;
		recount(w);
		break;
	case PA_CONTEXT_FAILED:
	case PA_CONTEXT_TERMINATED:
		failed(w, c);
		break;
	default:
		break;
	}
}

/* The connection failed or ended: no calls known; a new context later. */
static void failed(struct callwatch *w, pa_context *c)
{
	if (!w->said_down)
		log_warn("calls: no sound server (%s): carrying on without call detection; trying again with backoff",
			 pa_strerror(pa_context_errno(c)));
	w->said_down = true;
	publish(w, 0, false, NULL);
	pa_context_set_state_callback(c, NULL, NULL);
	pa_context_set_subscribe_callback(c, NULL, NULL);
	pa_context_disconnect(c);
	if (w->dead)
		pa_context_unref(w->dead);
	w->dead = c;
	w->ctx = NULL;
	w->counting = false;
	retry_later(w);
}

static void connect_now(struct callwatch *w)
{
	pa_proplist *pl = pa_proplist_new();

	pa_proplist_sets(pl, PA_PROP_APPLICATION_NAME, "backcoach call detection");
	pa_proplist_sets(pl, PA_PROP_APPLICATION_ID, "backcoach");
	w->ctx = pa_context_new_with_proplist(w->api, "backcoach", pl);
	pa_proplist_free(pl);
	if (!w->ctx) {
		retry_later(w);
		return;
	}
	pa_context_set_state_callback(w->ctx, on_state, w);
	if (pa_context_connect(w->ctx, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0 &&
	    w->ctx && !w->retry)
		failed(w, w->ctx); /* failed at once: the same path */
}

struct callwatch *callwatch_new(void)
{
	struct callwatch *w = xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	w->backoff = BACKOFF_MIN_US;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->ml = pa_threaded_mainloop_new();
	if (w->efd < 0 || !w->ml) {
		log_warn("calls: cannot start call detection");
		callwatch_free(w);
		return NULL;
	}
	pa_threaded_mainloop_set_name(w->ml, "backcoach-calls");
	w->api = pa_threaded_mainloop_get_api(w->ml);
	pa_threaded_mainloop_lock(w->ml);
	if (pa_threaded_mainloop_start(w->ml) < 0) {
		pa_threaded_mainloop_unlock(w->ml);
		log_warn("calls: cannot start libpulse's thread");
		callwatch_free(w);
		return NULL;
	}
	connect_now(w);
	pa_threaded_mainloop_unlock(w->ml);
	return w;
}

void callwatch_free(struct callwatch *w)
{
	if (!w)
		return;
	if (w->ml) {
		pa_threaded_mainloop_stop(w->ml);
		if (w->retry)
			w->api->time_free(w->retry);
		if (w->ctx) {
			pa_context_set_state_callback(w->ctx, NULL, NULL);
			pa_context_set_subscribe_callback(w->ctx, NULL, NULL);
			pa_context_disconnect(w->ctx);
			pa_context_unref(w->ctx);
		}
		if (w->dead)
			pa_context_unref(w->dead);
		pa_threaded_mainloop_free(w->ml);
	}
	if (w->efd >= 0)
		close(w->efd);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int callwatch_fd(const struct callwatch *w)
{
	return w->efd;
}

int callwatch_count(struct callwatch *w, bool *connected, char *who, size_t len)
{
	uint64_t v;
	int n;

	(void)!read(w->efd, &v, sizeof(v));
	pthread_mutex_lock(&w->lock);
	n = w->count;
	if (connected)
		*connected = w->connected;
	if (who && len)
		snprintf(who, len, "%s", w->count_who);
	pthread_mutex_unlock(&w->lock);
	return n;
}
