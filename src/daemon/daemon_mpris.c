/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon_mpris.c: the daemon as an MPRIS player (mpris.h): what plays, as a
 * player shows it (the session as the album, its step as the track), and the
 * player's methods run as commands of the table (commands.h). */
#include "daemon/daemon_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/commands.h"
#include "base/log.h"
#include "base/loop.h"
#include "desktop/mpris.h"
#include "playback/session.h"

static int64_t samples_to_us(int64_t n)
{
	return n * 1000000 / BC_RATE;
}

static void mpris_state_of(void *data, struct mpris_state *st)
{
	struct daemon *d = data;
	const struct timeline *tl = d->sess_tlp;
	struct session_info si;
	int64_t start, end;

	if (!d->sess) {
		st->status = MPRIS_STOPPED;
		return;
	}
	session_info(d->sess, &si);
	st->status = si.state == SESSION_PAUSED ? MPRIS_PAUSED : MPRIS_PLAYING;
	st->album = d->sess_name;
	st->session = d->sessions;
	st->step = si.step >= 0 && (size_t)si.step < tl->n_steps ? si.step : -1;
	st->title = st->step >= 0 ? tl->steps[st->step].name : NULL;
	start = st->step >= 0 ? tl->steps[st->step].at : 0;
	end = (size_t)(st->step + 1) < tl->n_steps ? tl->steps[st->step + 1].at
						     : tl->length;
	st->length_us = samples_to_us(end - start);
	st->position_us = si.pos > start ? samples_to_us(si.pos - start) : 0;
	if (si.state == SESSION_PLAYING && end > si.pos)
		st->next_us = loop_now_us() + (uint64_t)samples_to_us(end - si.pos);
	/* A reminder before its routine: Play starts the routine now. */
	st->countdown = d->kind == PLAY_REMINDER && tl->n_steps > 1 &&
			si.pos < d->sess_body_at;
	st->pause_others = d->sess_cfg->c.audio.other_players == OTHER_PAUSE;
}

/* A method call from the bus, as a command of the table; its answer is
 * logged as "MPRIS: ...", a refusal goes back as the D-Bus error. */
static int mpris_command(void *data, const char *name, char *err, size_t errlen)
{
	struct daemon *d = data;
	const struct command *cmd = command_by_name(name);
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!cmd || !(f = open_memstream(&text, &len))) {
		snprintf(err, errlen, "cannot run %s", name);
		return -1;
	}
	r = command_run(&d->cmds, cmd, NULL, "MPRIS", f);
	fclose(f);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (r < 0)
		snprintf(err, errlen, "%s", len ? text : "failed");
	else if (len)
		log_info("MPRIS: %s", text);
	free(text);
	return r;
}

const struct mpris_ops daemon_mpris_ops = {
	mpris_state_of, mpris_command,
};
