/* SPDX-License-Identifier: GPL-3.0-or-later */
/* play.h: `backcoach play` (a routine now, in the foreground) and
 * `backcoach devices` (the output devices). */
#ifndef BC_PLAY_H
#define BC_PLAY_H

/* Play a routine now in the foreground (NULL: the default routine); Ctrl-C
 * ends it with a short fade. Returns an exit code (cli.h). */
int play_run(const char *config_path, const char *routine);

/* List the PortAudio output devices. Returns an exit code. */
int devices_run(void);

#endif
