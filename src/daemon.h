/* daemon.h: `backcoach run` (the daemon) and `backcoach play` (foreground). */
#ifndef BC_DAEMON_H
#define BC_DAEMON_H

#include <stdbool.h>

/* Exit codes shared by the commands (documented in backcoach(1)). */
#define EXIT_OK 0
#define EXIT_FAIL 1      /* runtime failure: no audio device, speech failed */
#define EXIT_USAGE 64    /* EX_USAGE: bad command line */
#define EXIT_NOINPUT 66  /* EX_NOINPUT: unknown routine */
#define EXIT_NODAEMON 69 /* EX_UNAVAILABLE: no daemon running (control commands) */
#define EXIT_CONFIG 78   /* EX_CONFIG: bad config */

/* Run the daemon until SIGTERM/SIGINT. config_path: --config, or NULL to
 * search. Returns an exit code. */
int daemon_run(const char *config_path);

/* Play a routine now in the foreground (NULL: the default routine); Ctrl-C
 * ends it with a short fade. Returns an exit code. */
int play_run(const char *config_path, const char *routine);

/* `backcoach devices`: list PortAudio output devices. */
int devices_run(void);

#endif
