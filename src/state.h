/* state.h: what backcoach remembers about a user between runs. */
#ifndef BC_STATE_H
#define BC_STATE_H

#include <stdbool.h>

/* State lives in $XDG_STATE_HOME/backcoach/ (~/.local/state/backcoach/ when
 * XDG_STATE_HOME is unset or not absolute). */

/* malloc'd $XDG_STATE_HOME/backcoach, or NULL when no home is known. */
char *state_dir(void);

/* Has this user heard the safety notice (begun a first session)? */
bool state_notice_given(void);

/* Remember that the safety notice was given. Returns 0, or -1 with a log
 * line (the notice will then be given again next time: harmless). */
int state_set_notice_given(void);

#endif
