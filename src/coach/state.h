/* SPDX-License-Identifier: GPL-3.0-or-later */
/* state.h: what backcoach remembers about a user between runs. */
#ifndef BC_STATE_H
#define BC_STATE_H

#include <stdbool.h>

/* State lives in $XDG_STATE_HOME/backcoach/ (~/.local/state/backcoach/ when
 * XDG_STATE_HOME is unset or not absolute). The file notice-given exists
 * once the safety notice was given; it lists, one a line, the equipment
 * ("equipment NAME", see equipment_names) whose risks were told (its first
 * line, "notice", or the "routine NAME" lines of older versions, say
 * nothing more). */

/* malloc'd $XDG_STATE_HOME/backcoach, or NULL when no home is known. */
char *state_dir(void);
/* malloc'd path of the safety notice's record in it, or NULL likewise. */
char *state_notice_path(void);

/* Is the safety notice due: never given (no first session yet)? And
 * *new_risks (unless NULL): the equipment of risks (a mask of enum
 * equipment) whose risks were never told. One read of the record. */
bool state_notice_due(unsigned risks, unsigned *new_risks);

/* Remember that the notice was given, and the risks of equipment told.
 * Returns 0, or -1 with a log line (the notice will then be given again
 * next time: harmless). */
int state_set_notice_given(unsigned equipment);

#endif
