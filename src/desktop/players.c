/* SPDX-License-Identifier: GPL-3.0-or-later */
/* players.c: the other MPRIS players a session paused (see players.h). */
#include "desktop/players.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

bool players_is_other(const char *name, const char *own)
{
	size_t plen = strlen(MPRIS_PREFIX), olen = strlen(own);

	if (strncmp(name, MPRIS_PREFIX, plen) != 0 || !name[plen])
		return false;
	name += plen;
	/* Ours: "backcoach", or "backcoach.instance..." (a second daemon). */
	if (strncmp(name, own, olen) == 0 && (name[olen] == '\0' || name[olen] == '.'))
		return false;
	return true;
}

struct player *players_find(struct players *ps, const char *name)
{
	for (struct player *p = ps->head; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

struct player *players_add(struct players *ps, const char *name)
{
	struct player *p, **tail = &ps->head;

	if (players_find(ps, name))
		return NULL;
	while (*tail)
		tail = &(*tail)->next;
	p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name);
	p->state = PLAYER_QUERYING;
	*tail = p;
	return p;
}

static void player_free(struct player *p)
{
	free(p->name);
	free(p->owner);
	free(p);
}

void players_remove(struct players *ps, struct player *p)
{
	for (struct player **pp = &ps->head; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			player_free(p);
			return;
		}
}

bool players_status(struct players *ps, struct player *p, const char *owner,
		    const char *status)
{
	if (p->state != PLAYER_QUERYING || !owner || !status ||
	    strcmp(status, "Playing") != 0) {
		players_remove(ps, p);
		return false;
	}
	free(p->owner);
	p->owner = xstrdup(owner);
	p->state = PLAYER_PAUSING;
	return true;
}

void players_paused(struct players *ps, struct player *p, bool ok)
{
	if (!ok)
		players_remove(ps, p);
	else if (p->state == PLAYER_PAUSING)
		p->state = PLAYER_PAUSED;
}

struct player *players_take_resume(struct players *ps, void (*cancel)(void *call))
{
	struct player *list = NULL, **tail = &list;

	while (ps->head) {
		struct player *p = ps->head;
		ps->head = p->next;
		p->next = NULL;
		if (p->call && cancel)
			cancel(p->call);
		p->call = NULL;
		if (p->state != PLAYER_QUERYING && p->owner) {
			*tail = p;
			tail = &p->next;
		} else {
			player_free(p);
		}
	}
	return list;
}

void players_free_list(struct player *list)
{
	while (list) {
		struct player *p = list;
		list = p->next;
		player_free(p);
	}
}

size_t players_count(const struct players *ps)
{
	size_t n = 0;

	for (const struct player *p = ps->head; p; p = p->next)
		n++;
	return n;
}

void players_clear(struct players *ps, void (*cancel)(void *call))
{
	players_free_list(players_take_resume(ps, cancel));
}
