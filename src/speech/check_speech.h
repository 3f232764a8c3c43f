/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_speech.h: `backcoach check` says everything: every line a config can speak,
 * synthesised as it will be, failures named by FILE:LINE. */
#ifndef BC_CHECK_SPEECH_H
#define BC_CHECK_SPEECH_H

#include <stdio.h>

#include "coach/config.h"
#include "speech/speech.h"

struct check_stats {
	int routines;  /* compiled */
	int lines;     /* distinct texts spoken (each voice counted apart) */
	int failures;  /* texts that cannot be spoken, and other problems */
};

/* Compile every routine of cfg as it would play (safety notice first), once
 * with the equipment the user has and once with all of it, so every
 * exercise is heard; and the reminder with its countdown. Every text is
 * synthesised through sp (the isolated worker, with its cache). Each text
 * that fails is reported once to errf as "FILE:LINE: ..." (the setting it
 * came from); so is, after them, every breath cue that cannot be said within
 * its phase at the configured voice (see routine_misfit_message), in file
 * and line order. Returns the number of failures. */
int check_speech(const struct config *cfg, struct speech *sp, FILE *errf,
		 struct check_stats *st);

#endif
