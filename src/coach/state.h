/* SPDX-License-Identifier: GPL-3.0-or-later */
/* state.h: what backcoach remembers about a user between runs. */
#ifndef BC_STATE_H
#define BC_STATE_H

#include <stdbool.h>

/* State lives in $XDG_STATE_HOME/backcoach/ (~/.local/state/backcoach/ when
 * XDG_STATE_HOME is unset or not absolute). The file notice-given lists,
 * one a line, the routines ("routine NAME") and the equipment ("equipment
 * NAME", see equipment_names) the safety notice was given for. */

/* malloc'd $XDG_STATE_HOME/backcoach, or NULL when no home is known. */
char *state_dir(void);

/* Is the notice due before routine (named) using equipment (a mask of enum
 * equipment): never given, or the routine or a piece of the equipment new
 * to this user? *first (unless NULL): the notice was never given at all
 * (no first session begun). One read of the record. */
bool state_notice_due(const char *routine, unsigned equipment, bool *first);

/* Remember that the notice was given for routine and equipment. Returns
 * 0, or -1 with a log line (the notice will then be given again next time:
 * harmless). */
int state_set_notice_given(const char *routine, unsigned equipment);

#endif
