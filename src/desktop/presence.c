/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence.c: the sitting clock and the call gate; see presence.h. */
#include "desktop/presence.h"

void presence_init(struct presence *p, int64_t break_ms, int64_t now)
{
	*p = (struct presence){
		.break_ms = break_ms,
		.clock_base = now,
		.present_since = now,
	};
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static enum presence_change leave(struct presence *p, int64_t at, int64_t now,
				  struct presence_event *ev)
{
	if (at > now)
		at = now;
	/* Not before this stretch (or the clock) began: a reset after the
	 * idleness began (a session you started) stands. */
	at = max64(at, max64(p->present_since, p->clock_base));
	p->frozen = at - p->clock_base;
	p->away_since = at;
	ev->change = PRESENCE_LEFT;
	ev->stretch_ms = at - p->present_since;
	return PRESENCE_LEFT;
}

static enum presence_change come_back(struct presence *p, int64_t at,
				      int64_t now, struct presence_event *ev)
{
	if (at > now)
		at = now;
	at = max64(at, p->away_since);
	ev->away_ms = at - p->away_since;
	p->present_since = at;
	if (ev->away_ms >= p->break_ms) {
		p->clock_base = at;
		ev->change = PRESENCE_BREAK;
	} else {
		p->clock_base = at - p->frozen;
		ev->change = PRESENCE_BACK;
	}
	p->frozen = 0;
	return ev->change;
}

enum presence_change presence_set(struct presence *p, unsigned reason, bool on,
				  int64_t at, int64_t now,
				  struct presence_event *ev)
{
	struct presence_event dummy;
	unsigned before = p->away;

	if (!ev)
		ev = &dummy;
	*ev = (struct presence_event){ .change = PRESENCE_SAME };
	if (on)
		p->away |= reason;
	else
		p->away &= ~reason;
	if (!before && p->away)
		return leave(p, at, now, ev);
	if (before && !p->away)
		return come_back(p, at, now, ev);
	return PRESENCE_SAME;
}

enum presence_change presence_clear(struct presence *p, int64_t now,
				    struct presence_event *ev)
{
	return presence_set(p, p->away, false, now, now, ev);
}

int64_t presence_stretch(const struct presence *p, int64_t now)
{
	if (p->away || now < p->present_since)
		return 0;
	return now - p->present_since;
}

int64_t presence_sitting(const struct presence *p, int64_t now)
{
	if (p->away)
		return p->frozen;
	return now > p->clock_base ? now - p->clock_base : 0;
}

void presence_reset(struct presence *p, int64_t now)
{
	p->clock_base = now;
	p->frozen = 0;
	if (!p->away)
		p->present_since = now; /* a new stretch of sitting */
	else
		p->away_since = now; /* the absence counts from here */
}

void presence_new_stretch(struct presence *p, int64_t now)
{
	if (!p->away)
		p->present_since = now;
}

void callgate_init(struct callgate *g, int64_t grace_ms)
{
	*g = (struct callgate){ .ended_at = -1, .grace_ms = grace_ms };
}

bool callgate_set(struct callgate *g, int n, int64_t now)
{
	bool was = g->active > 0;

	g->active = n > 0 ? n : 0;
	if (was && !g->active) {
		g->ended_at = now;
		return true;
	}
	if (!was && g->active) {
		g->began_at = now;
		return true;
	}
	return false;
}

bool callgate_holds(const struct callgate *g, int64_t now, int64_t *until)
{
	if (g->active) {
		if (until)
			*until = INT64_MAX;
		return true;
	}
	if (g->ended_at >= 0 && now < g->ended_at + g->grace_ms) {
		if (until)
			*until = g->ended_at + g->grace_ms;
		return true;
	}
	return false;
}
