/* SPDX-License-Identifier: GPL-3.0-or-later */
/* players.h: the other MPRIS players a session paused, to resume exactly
 * those when it ends (bookkeeping only: mpris.c makes the D-Bus calls). */
#ifndef BC_PLAYERS_H
#define BC_PLAYERS_H

#include <stdbool.h>
#include <stddef.h>

#define MPRIS_PREFIX "org.mpris.MediaPlayer2."

enum player_state {
	PLAYER_QUERYING, /* asked for its PlaybackStatus */
	PLAYER_PAUSING,  /* it was Playing: Pause sent, no answer yet */
	PLAYER_PAUSED,   /* it answered Pause */
};

/* One player, in a list (stable addresses: async calls point at them). */
struct player {
	struct player *next;
	char *name;      /* well-known name, org.mpris.MediaPlayer2.vlc */
	char *owner;     /* its unique name (":1.42") once known, else NULL */
	enum player_state state;
	void *call;      /* the caller's handle on a call in flight, or NULL */
	void *ctx;       /* the caller's */
};

struct players {
	struct player *head;
};

/* Is name another MPRIS player, not one of ours (own: our name without
 * the prefix, "backcoach"; ours also with an .instanceN suffix)? */
bool players_is_other(const char *name, const char *own);

/* A player seen in ListNames: added as QUERYING; NULL if already listed. */
struct player *players_add(struct players *ps, const char *name);
struct player *players_find(struct players *ps, const char *name);
/* Its PlaybackStatus came back from owner: true if it is Playing (now
 * PAUSING: send it Pause); otherwise it is forgotten (and freed) and false. */
bool players_status(struct players *ps, struct player *p, const char *owner,
		    const char *status);
/* Pause answered: ok = true marks it PAUSED; false (an error reply: it
 * refused, or it is gone) forgets it. */
void players_paused(struct players *ps, struct player *p, bool ok);
/* Forget one (frees it). */
void players_remove(struct players *ps, struct player *p);

/* At the end of a session: the players to resume (PAUSING or PAUSED, in
 * the order they were added), as a list the caller frees with
 * players_free_list. The bookkeeping is emptied; calls in flight (p->call)
 * are handed to cancel first, if not NULL, and p->call cleared. */
struct player *players_take_resume(struct players *ps, void (*cancel)(void *call));
void players_free_list(struct player *list);

size_t players_count(const struct players *ps);
void players_clear(struct players *ps, void (*cancel)(void *call));

#endif
