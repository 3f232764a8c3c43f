/* cli.h: the backcoach command line: subcommands and their exit codes. */
#ifndef BC_CLI_H
#define BC_CLI_H

/* Exit codes shared by the commands (documented in backcoach(1)). */
#define EXIT_OK 0
#define EXIT_FAIL 1      /* runtime failure: no audio device, speech failed */
#define EXIT_USAGE 64    /* EX_USAGE: bad command line */
#define EXIT_NOINPUT 66  /* EX_NOINPUT: unknown routine */
#define EXIT_NODAEMON 69 /* EX_UNAVAILABLE: no daemon running (control commands) */
#define EXIT_CONFIG 78   /* EX_CONFIG: bad config */
#define EXIT_INTERRUPTED 130 /* SIGINT or SIGTERM ended a foreground command */

int cli_main(int argc, char **argv);

#endif
